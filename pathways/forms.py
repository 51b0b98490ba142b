from django import forms

from accounts.choices import Role
from accounts.models import Agency, User
from assessments.models import ThresholdIndicator
from cases.choices import ClosureReason
from pathways.choices import Outcome


class DecisionForm(forms.Form):
    prefix = "decision"

    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        label="What does the family need now?",
        error_messages={"required": "Choose the pathway the family needs now, or close."},
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Why",
        help_text="What in the assessment leads to this decision",
        error_messages={"required": "Explain why: a decision without a rationale cannot be recorded."},
    )
    indicators = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        label="Indicators relied on",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    family_view = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="The family's view"
    )
    consulted = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Who was consulted"
    )
    family_consents_to_share = forms.BooleanField(
        required=False, label="The family agrees to share the assessment with the agencies below"
    )
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.order_by("name"),
        required=False,
        label="Agencies that may see the referral",
        widget=forms.CheckboxSelectMultiple,
    )
    lawful_basis = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Lawful reason to share without consent (pathway 4 only)",
    )
    closure_reason = forms.ChoiceField(
        required=False,
        choices=[("", "Not closing"), *ClosureReason.choices],
        label="Closure reason (if closing)",
    )
    ecpp = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Expert child protection practitioner (pathway 4)",
        help_text="Comes alongside the key worker; the family keeps their worker",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, cited=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = [(indicator.pk, indicator.text) for indicator in cited]
        self.fields["ecpp"].queryset = User.objects.filter(groups__name=Role.ECPP, is_active=True).order_by(
            "first_name"
        )
        self._cited = {indicator.pk: indicator for indicator in cited}

    def cleaned_indicators(self) -> tuple[ThresholdIndicator, ...]:
        return tuple(self._cited[pk] for pk in self.cleaned_data.get("indicators") or [] if pk in self._cited)


class DecisionConfirmForm(forms.Form):
    prefix = "confirm"
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionReturnForm(forms.Form):
    prefix = "return"
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is going back",
        error_messages={"required": "Say why it is being returned, so the proposer knows what to change."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
