from django import forms

from audit.choices import RecordType
from cases.choices import ChronologyKind
from config.forms import DateInput


class AccessLogSearchForm(forms.Form):
    """ "Who looked at this child?" (a record) and "what did this user open?" (a username), over dates."""

    username = forms.CharField(required=False, max_length=150, label="Who (username)")
    record_type = forms.ChoiceField(
        required=False, choices=[("", "Any record"), *RecordType.choices], label="Record"
    )
    record_id = forms.IntegerField(required=False, min_value=1, label="Record number")
    family_id = forms.IntegerField(required=False, min_value=1, label="Family number")
    date_from = forms.DateField(required=False, widget=DateInput, label="From")
    date_to = forms.DateField(required=False, widget=DateInput, label="To")

    def clean(self):
        data = super().clean()
        if data.get("record_id") and not data.get("record_type"):
            self.add_error("record_type", "Say what kind of record the number is.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class ChronologyExportForm(forms.Form):
    prefix = "export"

    date_from = forms.DateField(
        widget=DateInput, label="From", error_messages={"invalid": "Enter a real date."}
    )
    date_to = forms.DateField(widget=DateInput, label="To", error_messages={"invalid": "Enter a real date."})
    subject = forms.ModelChoiceField(
        queryset=None, required=False, label="One child only", empty_label="The whole family"
    )
    kinds = forms.MultipleChoiceField(
        required=False,
        choices=ChronologyKind.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Entry types (none ticked: all of them)",
    )

    def __init__(self, *args, family, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import Person

        self.fields["subject"].queryset = Person.objects.filter(memberships__family=family).order_by(
            "first_name"
        )
