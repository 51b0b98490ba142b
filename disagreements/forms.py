from django import forms

from config.forms import DateInput
from config.limits import LONG_TEXT


class RaiseForm(forms.Form):
    prefix = "raise"
    position = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Why do you think the decision is wrong?",
        error_messages={
            "required": "Say why you think the decision is wrong: what do you know that worries you?"
        },
    )
    wanted = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What do you think should happen?",
    )
    high_risk = forms.BooleanField(
        required=False, label="High risk: a child may be harmed unless this is resolved within hours"
    )


class PositionForm(forms.Form):
    prefix = "position"
    text = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Your position",
        error_messages={"required": "Write the position you want on record."},
    )


class MeetingForm(forms.Form):
    prefix = "meeting"
    held_on = forms.DateField(
        widget=DateInput, label="Date", error_messages={"invalid": "Enter a real date."}
    )
    attendees = forms.CharField(max_length=200, label="Who took part")
    notes = forms.CharField(
        max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}), label="What was discussed and agreed"
    )


class EscalateForm(forms.Form):
    prefix = "escalate"
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is not resolved at this stage",
        error_messages={"required": "Say why it is not resolved at this stage."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ResolveForm(forms.Form):
    prefix = "resolve"
    resolution = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What was agreed",
        error_messages={"required": "Record what was agreed."},
    )
    decision_changed = forms.TypedChoiceField(
        choices=[("yes", "Yes, the original decision changed"), ("no", "No, the original decision stands")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Did the original decision change?",
        error_messages={"required": "Say whether the original decision changed."},
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is late (only after the stage's deadline)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    prefix = "withdraw"
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why you are withdrawing it",
        error_messages={"required": "Say why it is withdrawn."},
    )


class DisagreementForm(forms.Form):
    prefix = "disagree"

    raised_for = forms.CharField(
        required=False,
        max_length=200,
        label="Who disagrees",
        help_text="The referrer's name and role, when you record it for them",
    )
    position = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Why do you think the decision is wrong?",
        error_messages={
            "required": "Say why you think the decision is wrong: what do you know that worries you?"
        },
    )
    wanted = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What do you think should happen?",
    )

    def __init__(self, *args, for_someone_else=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_someone_else:
            del self.fields["raised_for"]
