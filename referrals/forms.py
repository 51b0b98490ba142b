import uuid

from django import forms

from assessments.models import ThresholdIndicator
from config.forms import DateInput
from referrals.choices import FamilyConsent, SubjectRole, Urgency

CHILD_ROWS = 3
ADULT_ROWS = 2


class RequestForm(forms.Form):
    """The multi-agency request for support, as a professional makes it."""

    prefix = "request"

    referrer_role = forms.CharField(
        required=False, max_length=200, label="Your role", help_text="e.g. designated safeguarding lead"
    )
    referrer_phone = forms.CharField(required=False, max_length=40, label="Phone number we can reach you on")
    address_line_1 = forms.CharField(required=False, max_length=200, label="The family's address")
    postcode = forms.CharField(required=False, max_length=8, label="Postcode")
    concerns = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="What help does the family need, and why? In your own words",
        error_messages={"required": "Tell us, in your own words, what help is needed and why."},
    )
    what_tried = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="What has been tried already"
    )
    family_aware = forms.BooleanField(required=False, label="The family knows about this request")
    family_consents = forms.ChoiceField(
        choices=FamilyConsent.choices,
        widget=forms.RadioSelect,
        label="Does the family agree to this request?",
        error_messages={"required": "Say whether the family agrees to this request."},
    )
    consent_notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="About consent"
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices, initial=Urgency.ROUTINE, widget=forms.RadioSelect, label="How urgent"
    )
    indicators = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        label="Threshold indicators (optional)",
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        from assessments.forms import indicator_choices

        self.fields["indicators"].choices = indicator_choices(document)
        self.document = document
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def cleaned_indicators(self):
        ids = self.cleaned_data.get("indicators") or []
        return list(ThresholdIndicator.objects.filter(pk__in=ids, document=self.document))


class SubjectForm(forms.Form):
    role = forms.ChoiceField(choices=SubjectRole.choices, widget=forms.HiddenInput)
    first_name = forms.CharField(required=False, max_length=100, label="First name")
    last_name = forms.CharField(required=False, max_length=100, label="Last name")
    date_of_birth = forms.DateField(
        required=False,
        widget=DateInput,
        label="Date of birth",
        error_messages={"invalid": "Enter a real date."},
    )
    relationship = forms.CharField(required=False, max_length=100, label="Relationship to the child")


SubjectFormSet = forms.formset_factory(SubjectForm, extra=0)


def subject_formset(data=None):
    initial = [{"role": SubjectRole.CHILD}] * CHILD_ROWS + [{"role": SubjectRole.ADULT}] * ADULT_ROWS
    return SubjectFormSet(data, initial=initial, prefix="subjects")


class FamilyRequestForm(forms.Form):
    """A family asking for help, in plain words: a request for help, not a report of concern."""

    prefix = "help"

    your_name = forms.CharField(
        max_length=200, label="Your name", error_messages={"required": "Tell us your name."}
    )
    phone = forms.CharField(required=False, max_length=40, label="Phone number")
    email = forms.EmailField(
        required=False,
        label="Email address",
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    postcode = forms.CharField(required=False, max_length=8, label="Your postcode")
    help_needed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="What would help your family right now?",
        error_messages={"required": "Tell us what would help."},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
