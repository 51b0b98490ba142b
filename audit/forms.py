from django import forms

from audit.choices import RecordType
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
