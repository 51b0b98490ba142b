"""Every Django form renders as GOV.UK Design System markup (templates/includes/form.html)."""

from django import forms
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "includes/form.html"
    field_template_name = "includes/field.html"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def form_add_service_errors(form: forms.Form, error) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form shows
    that field, otherwise at the top. The user's input stays in the form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            visible = field in form.fields and not form.fields[field].widget.is_hidden
            for message in messages:
                form.add_error(field if visible else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
