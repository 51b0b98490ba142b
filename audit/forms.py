from django import forms

from accounts.models import User
from audit.services import MIN_REASON
from cases.choices import ChronologyKind, RecordType, RestrictionCategory
from cases.models import Person
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
    outcome = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Reads and refused attempts"),
            ("read", "Reads only"),
            ("refused", "Refused attempts only"),
        ],
        label="Outcome",
    )

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
        self.fields["subject"].queryset = Person.objects.filter(memberships__family=family).order_by(
            "first_name"
        )


def _reason_errors(ask: str) -> dict:
    return {"required": f"{ask}.", "min_length": f"{ask} (at least {MIN_REASON} characters)."}


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        min_length=MIN_REASON,
        label="Why do you need to open this record?",
        help_text="Your reason goes into the access log; the record's managers are told you opened it.",
        error_messages=_reason_errors("Say why you need to open this record"),
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)


class RestrictionForm(forms.Form):
    category = forms.ChoiceField(
        choices=RestrictionCategory.choices,
        widget=forms.RadioSelect,
        label="Why is the record restricted?",
        error_messages={"required": "Choose why the record is restricted."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        min_length=MIN_REASON,
        label="Reason",
        help_text="Seen only by the people named on the restriction and by auditors.",
        error_messages=_reason_errors("Say why the record is restricted"),
    )
    named_users = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who else may open it (you are named yourself)",
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_users"].queryset = candidates


class RestrictionNameForm(forms.Form):
    username = forms.CharField(max_length=150, label="Name someone else (username)")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_username(self):
        user = User.objects.filter(username=self.cleaned_data["username"].strip(), is_active=True).first()
        if user is None:
            raise forms.ValidationError("There is no active user with that username.")
        return user


class RestrictionLiftForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        min_length=MIN_REASON,
        label="Why is the restriction no longer needed?",
        error_messages=_reason_errors("Say why the restriction is no longer needed"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class WeekForm(forms.Form):
    week = forms.DateField(
        widget=DateInput, label="Week starting", error_messages={"invalid": "Enter a real date."}
    )
