from django import template

register = template.Library()

_WIDGET_CLASSES = {
    "select": "govuk-select",
    "selectmultiple": "govuk-select app-select-multiple",
    "textarea": "govuk-textarea",
    "checkbox": "govuk-checkboxes__input",
    "date": "govuk-input govuk-input--width-10",
    "datetime": "govuk-input govuk-input--width-20",
    "number": "govuk-input govuk-input--width-5",
}


@register.filter
def govuk_widget(field):
    """Render a bound field's widget with GOV.UK classes and accessible error/hint links."""
    css = _WIDGET_CLASSES.get(field.widget_type, "govuk-input")
    if field.errors:
        css += {"select": " govuk-select--error", "textarea": " govuk-textarea--error"}.get(
            field.widget_type, " govuk-input--error"
        )
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    attrs = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("includes/tag.html")
def pathway_tag(pathway):
    colours = {
        1: "govuk-tag--green",
        2: "govuk-tag--blue",
        3: "govuk-tag--orange",
        4: "govuk-tag--red",
    }
    labels = {1: "Pathway 1", 2: "Pathway 2", 3: "Pathway 3", 4: "Pathway 4"}
    return {
        "css": colours.get(pathway, "govuk-tag--grey"),
        "text": labels.get(pathway, "No pathway"),
    }
