import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from config.forms import DateInput, DateParts

register = template.Library()

_WIDGET_CLASSES = {
    "select": "govuk-select",
    "selectmultiple": "govuk-select app-select-multiple",
    "textarea": "govuk-textarea",
    "checkbox": "govuk-checkboxes__input",
    "date": "govuk-input govuk-input--width-10",
    "number": "govuk-input govuk-input--width-5",
}


@register.filter
def is_date_input(field) -> bool:
    """Whether a field is a GOV.UK date input (day, month, year), shown in a fieldset of its own."""
    return isinstance(field.field.widget, DateInput)


@register.filter
def govuk_widget(field):
    """Render a bound field's widget with GOV.UK classes and accessible error/hint links."""
    if is_date_input(field):
        # The fieldset around a date input carries the hint and error; the widget marks the boxes.
        return field.as_widget(attrs={"data-error": bool(field.errors)})
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


@register.filter
def error_anchor(field) -> str:
    """The id an error summary links to: the first box in error of a date, a picker's fieldset,
    the first of a set of radios or checkboxes, otherwise the field's own input."""
    if is_date_input(field):
        data = field.data if field.form.is_bound else None
        parts = data.error_parts if isinstance(data, DateParts) and data.error_parts else ("day",)
        return f"{field.auto_id}_{parts[0]}"
    if field.widget_type == "checkboxpicker":
        return f"{field.auto_id}-fieldset"
    if field.widget_type in ("radioselect", "checkboxselectmultiple"):
        return f"{field.auto_id}_0"
    return field.id_for_label


def _summary_rows(form):
    rows = []
    if hasattr(form, "forms"):  # a formset: its own errors, then each row's
        first = next(iter(form.forms), None)
        anchor = ""
        if first is not None:
            visible = [bf for bf in first.visible_fields()]
            anchor = error_anchor(visible[0]) if visible else ""
        rows += [{"text": error, "anchor": anchor} for error in form.non_form_errors()]
        for row in form.forms:
            rows += _summary_rows(row)
        return rows
    form.govuk_summary_shown = True
    rows += [{"text": error, "anchor": ""} for error in form.non_field_errors()]
    for field in form:
        rows += [{"text": error, "anchor": error_anchor(field)} for error in field.errors]
    return rows


@register.inclusion_tag("includes/error_summary.html")
def error_summary(*forms):
    """One GOV.UK error summary for the top of a page, listing every error of every form and
    formset given, each linked to its field. Forms listed here do not repeat it themselves."""
    rows = []
    for form in forms:
        if form is not None and form != "":
            rows += _summary_rows(form)
    return {"rows": rows}


@register.filter
def govuk_time(value) -> str:
    """A time as GOV.UK writes it: 10am, 10:15am, 3:30pm, midday, midnight."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


@register.filter
def govuk_datetime(value, date_format: str = "j F Y") -> str:
    """A date and time as GOV.UK writes it: "4 December 2026 at 3:30pm"."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{date_filter(value, date_format)} at {govuk_time(value)}"


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
