from django import forms
from django.utils import timezone

from accounts.choices import AgencyKind
from accounts.models import User
from accounts.roles import CASE_HOLDING_ROLES, PRACTICE_ROLES
from cases.choices import (
    FEEDBACK_QUESTIONS,
    PRACTITIONER_CHRONOLOGY_KINDS,
    AllocationRole,
    AskAgainAnswer,
    ClosureReason,
    Disability,
    Ethnicity,
    FeedbackAnswer,
    Sex,
    UpnUnknown,
)
from config.forms import DateInput, DateTimeInput
from config.limits import LONG_TEXT


class PersonSearchForm(forms.Form):
    name = forms.CharField(
        required=False, max_length=200, help_text="Any part of a first, middle or last name"
    )
    date_of_birth = forms.DateField(required=False, widget=DateInput, label="Date of birth")
    postcode = forms.CharField(required=False, max_length=8, help_text="All or the start of a postcode")

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("name") or data.get("date_of_birth") or data.get("postcode")):
            raise forms.ValidationError("Enter a name, a date of birth or a postcode to search.")
        return data


# The case page shows several forms at once: each has a prefix so ids and names never clash.


class ChronologyEntryForm(forms.Form):
    prefix = "entry"
    kind = forms.ChoiceField(
        choices=PRACTITIONER_CHRONOLOGY_KINDS,
        label="What happened",
        error_messages={"required": "Choose what kind of event this was."},
    )
    occurred_at = forms.DateTimeField(
        widget=DateTimeInput,
        label="When it happened",
        error_messages={
            "required": "Enter when it happened.",
            "invalid": "Enter a real date and time, like 2026-03-02 10:15.",
        },
    )
    subject = forms.ChoiceField(
        required=False,
        label="Who it is about",
        help_text="Leave blank if it is about the whole family",
    )
    summary = forms.CharField(
        max_length=300,
        label="Summary",
        help_text="One line: what happened",
        error_messages={"required": "Enter a short summary of what happened."},
    )
    detail = forms.CharField(
        max_length=LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Detail"
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", "The whole family")] + [
            (str(member.person_id), str(member.person)) for member in members
        ]
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))


class CaseVersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CaseAllocateForm(CaseVersionForm):
    prefix = "allocate"
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Practitioner to allocate",
        error_messages={"required": "Choose who to allocate.", "invalid_choice": "Choose who to allocate."},
    )
    role = forms.ChoiceField(
        choices=AllocationRole.choices,
        widget=forms.RadioSelect,
        label="Role on the case",
        error_messages={"required": "Choose the role they will have on the case."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(
                is_active=True,
                groups__name__in=CASE_HOLDING_ROLES,
                agency__kind=AgencyKind.LA_CHILDRENS_SERVICES,
            )
            .distinct()
            .order_by("first_name", "last_name")
        )


class CaseCloseForm(CaseVersionForm):
    prefix = "close"
    reason = forms.ChoiceField(
        # RC9 (referred to early help) is a step-down's outcome: stepdown/, with consent and approval.
        choices=[("", "Choose a reason"), *[c for c in ClosureReason.choices if c[0] != ClosureReason.RC9]],
        label="Reason for closing",
        error_messages={"required": "Choose the reason the case is closing."},
    )
    note = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the case is closing",
    )


class InvolvementForm(forms.Form):
    prefix = "involve"
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Practitioner to involve",
        help_text="Someone from a partner agency (or another team) who works with the family",
        error_messages={"required": "Choose who is working with the family."},
    )
    role_description = forms.CharField(
        max_length=200,
        label="Their role with the family",
        help_text="For example: designated safeguarding lead, health visitor",
        error_messages={"required": "Say what their role with the family is."},
    )

    def __init__(self, *args, family=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            User.objects.filter(is_active=True, agency__isnull=False, groups__name__in=PRACTICE_ROLES)
            .select_related("agency")
            .distinct()
        )
        if family is not None:
            users = users.exclude(involvements__family=family, involvements__ended_at__isnull=True)
        self.fields["user"].queryset = users.order_by("agency__name", "first_name", "last_name")
        self.fields["user"].label_from_instance = lambda user: f"{user} ({user.agency})"


class PersonMergeForm(forms.Form):
    """A manager merges a duplicate into the record being looked at."""

    prefix = "merge"

    candidate = forms.TypedChoiceField(
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
        label="Which record is a duplicate of this one?",
    )
    record_number = forms.IntegerField(
        required=False,
        min_value=1,
        label="Or the record number of the duplicate",
        help_text="The number after P, as shown on the duplicate's page",
    )
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why these are the same person",
        help_text="What you checked: for example NHS number, school, address history",
        error_messages={"required": "Say why these records are the same person (what you checked)."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = [
            (
                c.person.pk,
                f"P{c.person.pk} {c.person}"
                + (f", born {c.person.date_of_birth:%d %b %Y}" if c.person.date_of_birth else "")
                + f" ({'; '.join(c.reasons)})",
            )
            for c in candidates
        ]

    def clean(self):
        data = super().clean()
        chosen, typed = data.get("candidate"), data.get("record_number")
        if chosen and typed and chosen != typed:
            raise forms.ValidationError(
                "Choose one of the records suggested or give a record number, not both."
            )
        if not (chosen or typed) and "record_number" not in self.errors:
            self.add_error("candidate", "Choose the duplicate record, or give its record number.")
        data["duplicate"] = chosen or typed
        return data


class PersonDetailsForm(forms.Form):
    """What the statutory returns need of a child, kept on their record."""

    prefix = "details"

    sex = forms.ChoiceField(choices=Sex.choices, widget=forms.RadioSelect, label="Sex")
    ethnicity = forms.ChoiceField(choices=Ethnicity.choices, label="Ethnicity")
    disabilities = forms.MultipleChoiceField(
        required=False,
        choices=Disability.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Disabilities",
        help_text="Tick 'No disability' when the child has none; leave all unticked only if not yet known",
    )
    upn = forms.CharField(required=False, max_length=13, label="Unique Pupil Number (UPN)")
    former_upn = forms.CharField(required=False, max_length=13, label="Former UPN")
    upn_unknown_reason = forms.ChoiceField(
        required=False, choices=[("", "The child has a UPN"), *UpnUnknown.choices], label="If no UPN, why not"
    )
    date_of_death = forms.DateField(
        required=False,
        widget=DateInput,
        label="Date of death",
        error_messages={"invalid": "Enter a real date, like 2026-12-01."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_person(cls, person):
        fields = (
            "sex",
            "ethnicity",
            "disabilities",
            "upn",
            "former_upn",
            "upn_unknown_reason",
            "date_of_death",
        )
        return cls(initial={field: getattr(person, field) for field in fields} | {"version": person.version})


# --- families' feedback (cases/feedback_views.py) ---------------------------------------------


def _answer(question: str, choices, required: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices,
        widget=forms.RadioSelect,
        label=FEEDBACK_QUESTIONS[question],
        error_messages={"required": required, "invalid_choice": required},
    )


class FamilyFeedbackForm(forms.Form):
    """The family's own form, reached by their link: three questions and room to say more."""

    help_right = _answer(
        "help_right", FeedbackAnswer.choices, "Select whether the help was the right help for your family"
    )
    listened_to = _answer("listened_to", FeedbackAnswer.choices, "Select whether you felt listened to")
    ask_again = _answer("ask_again", AskAgainAnswer.choices, "Select whether you would ask us for help again")
    comments = forms.CharField(
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Is there anything else you want to tell us? (optional)",
        help_text="For example, what helped most, or what we could have done better.",
    )
    given_by = forms.CharField(
        required=False,
        max_length=200,
        label="Who is giving this feedback? (optional)",
        help_text="For example, 'Mum' or 'Jordan, aged 14'. You do not have to say.",
    )


class FeedbackRecordForm(FamilyFeedbackForm):
    """A worker records what the family said in a conversation, in the family's own words."""

    prefix = "feedback"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].label = "Anything else they said, in their words (optional)"
        self.fields["comments"].help_text = ""
        self.fields["given_by"].label = "Who gave the feedback (optional)"
        self.fields["given_by"].help_text = "For example, 'Mum, on the phone'."
