import uuid

from django import forms
from django.utils import timezone

from accounts.choices import AgencyKind
from accounts.models import Agency, Team, User
from accounts.selectors import active_ecpps
from assessments.forms import indicator_choices, indicator_field
from assessments.models import ThresholdIndicator
from cases.models import Family
from config.forms import DateInput
from config.limits import LONG_TEXT
from pathways.codes import PrimaryNeed, ReferralSource
from referrals.choices import FamilyConsent, FeedbackMethod, SubjectRole, TriageOutcome, Urgency
from referrals.services import (
    SubjectDetails,
    contact_consent_errors,
    contact_postcode_errors,
    contact_subjects_errors,
    subject_is_filled_in,
)

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
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="What help does the family need, and why? In your own words",
        error_messages={"required": "Tell us, in your own words, what help is needed and why."},
    )
    what_tried = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What has been tried already",
    )
    family_aware = forms.BooleanField(required=False, label="The family knows about this request")
    family_consents = forms.ChoiceField(
        choices=FamilyConsent.choices,
        widget=forms.RadioSelect,
        label="Does the family agree to this request?",
        error_messages={"required": "Say whether the family agrees to this request."},
    )
    consent_notes = forms.CharField(
        max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2}), label="About consent"
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices, initial=Urgency.ROUTINE, widget=forms.RadioSelect, label="How urgent"
    )
    indicators = indicator_field("Threshold indicators (optional)")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, document=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = indicator_choices(document)
        self.document = document
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean(self):
        """The service's rules on consent and the postcode, checked with the rest of the page so
        that every error shows at once."""
        data = super().clean()
        errors = {
            **contact_consent_errors(
                family_consents=data.get("family_consents") or "",
                consent_notes=data.get("consent_notes") or "",
            ),
            **contact_postcode_errors(postcode=data.get("postcode") or ""),
        }
        for field, message in errors.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data

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


class BaseSubjectFormSet(forms.BaseFormSet):
    def clean(self):
        """The service's rules about who a request names (at least one child, a name for each),
        checked with the rest of the page so that every error shows at once."""
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {}) or {}
            subject = SubjectDetails(
                role=data.get("role") or SubjectRole.CHILD,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                date_of_birth=data.get("date_of_birth"),
                relationship=data.get("relationship", ""),
            )
            if subject_is_filled_in(subject=subject) or form.errors:
                rows.append((form, subject))
        errors = contact_subjects_errors(
            people=[subject for _form, subject in rows], today=timezone.localdate()
        )
        for key, message in errors.items():
            parts = key.split(".")
            if len(parts) == 3 and parts[2] in rows[int(parts[1]) - 1][0].fields:
                rows[int(parts[1]) - 1][0].add_error(parts[2], message)
            elif key == "subjects":
                raise forms.ValidationError(message)


SubjectFormSet = forms.formset_factory(SubjectForm, formset=BaseSubjectFormSet, extra=0)


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
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="What would help your family right now?",
        error_messages={"required": "Tell us what would help."},
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class PhoneContactForm(RequestForm):
    """Front-door staff recording a phone call: who rang, then the same questions as the form."""

    prefix = "phone"

    referrer_name = forms.CharField(
        max_length=200, label="Caller's name", error_messages={"required": "Record who rang."}
    )
    referrer_agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"),
        required=False,
        label="Caller's agency",
        empty_label="Not from an agency (a family member or the public)",
    )
    referrer_email = forms.EmailField(
        required=False,
        label="Caller's email address",
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    field_order = ["referrer_name", "referrer_role", "referrer_agency", "referrer_phone", "referrer_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrer_role"].label = "Caller's role"
        self.fields["referrer_phone"].label = "Caller's phone number"
        self.fields["concerns"].label = "What the caller told us, in their words"


class TriageForm(forms.Form):
    prefix = "triage"

    outcome = forms.ChoiceField(
        choices=TriageOutcome.choices,
        widget=forms.RadioSelect,
        label="What does the family need now?",
        error_messages={"required": "Choose a pathway, no further action or signpost."},
    )
    rationale = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why (the front door's record)",
        error_messages={"required": "Explain why: a triage decision without a rationale cannot be recorded."},
    )
    advice = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Advice given, or where the family was signposted",
        help_text="Needed for pathway 1 and for signposting",
    )
    feedback_text = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What we will tell the referrer",
        help_text="The reasons in plain words: this goes in the outcome letter",
        error_messages={
            "required": "Write what we will tell the referrer about the decision, in plain words."
        },
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="Team to hold the case",
        help_text="Needed when the family has no open case",
    )
    family = forms.ModelChoiceField(
        queryset=Family.objects.none(),
        required=False,
        label="Which family",
        help_text="When the people belong to more than one family",
    )
    ecpp = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Expert child protection practitioner (pathway 4)",
        help_text="Leads the strategy discussion and confirms the decision",
    )
    lawful_basis = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Lawful reason to share without the family's consent (pathway 4 only)",
    )
    referral_source = forms.ChoiceField(
        required=False,
        choices=[("", "Work it out from the referrer"), *ReferralSource.choices],
        label="Referral source (census, pathways 3 and 4)",
    )
    primary_need = forms.ChoiceField(
        required=False,
        choices=[("", "Not a referral into pathway 3 or 4"), *PrimaryNeed.choices],
        label="Primary need (census, pathways 3 and 4)",
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the decision is late (only after its due time)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, families=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(
            agency__kind=AgencyKind.LA_CHILDRENS_SERVICES
        ).order_by("name")
        self.fields["family"].queryset = Family.objects.filter(pk__in=[family.pk for family in families])
        if len(families) < 2:
            self.fields["family"].widget = forms.HiddenInput()
        self.fields["ecpp"].queryset = active_ecpps()


class FeedbackForm(forms.Form):
    prefix = "feedback"

    method = forms.ChoiceField(
        choices=FeedbackMethod.choices,
        initial=FeedbackMethod.ONLINE,
        widget=forms.RadioSelect,
        label="How the referrer is told",
        error_messages={"required": "Choose how the referrer was told."},
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is late (only after the 72 hours)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
