"""Forms for consent, proposing a step-down by route, and the actions on it. The services make the
rules; these only collect what people type (and keep it when a service refuses)."""

from django import forms
from django.db.models import Q

from accounts.choices import AgencyKind, Role, TeamKind
from accounts.models import Agency, Team, User
from cases.choices import ClosureReason
from cases.models import Case, Person
from config.forms import DateInput
from config.limits import LONG_TEXT
from stepdown.choices import (
    CASE_ROUTE_CHOICES,
    AuditRating,
    ConsentMethod,
    DriftReason,
    HubAction,
    ReviewOutcome,
    Route,
)
from stepdown.models import Consent, ReviewSet


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class ConsentForm(forms.Form):
    given_by = forms.ModelChoiceField(
        queryset=Person.objects.none(),
        label="Who gave consent",
        help_text="A parent or carer with parental responsibility, or a young person (12 or over)",
        error_messages=_required("Choose who gave consent."),
    )
    early_help = forms.BooleanField(required=False, label="To a step-down to early help")
    share_with = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="To sharing the assessment with these agencies",
    )
    referral_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label="To a referral to a single agency"
    )
    family_group_conference = forms.BooleanField(required=False, label="To a family group conference")
    method = forms.ChoiceField(
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        label="How consent was given",
        error_messages=_required("Say how the consent was given."),
    )
    recorded_where = forms.CharField(
        max_length=300,
        label="Where it is recorded",
        help_text="For example: signed form on file, notes of the CIN meeting on 3 November",
        error_messages=_required("Say where the consent is recorded."),
    )
    given_on = forms.DateField(
        widget=DateInput, label="Date given", error_messages=_required("Enter the date consent was given.")
    )

    def __init__(self, *args, family, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].queryset = Person.objects.filter(
            memberships__family=family, memberships__left_on__isnull=True
        ).order_by("last_name", "first_name")
        partners = Agency.objects.exclude(kind=AgencyKind.LA_CHILDRENS_SERVICES).order_by("name")
        self.fields["share_with"].queryset = partners
        self.fields["referral_agency"].queryset = partners


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(
        widget=DateInput,
        label="Date withdrawn",
        error_messages=_required("Enter the date consent was withdrawn."),
    )
    note = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="What the family said, and who said it",
        error_messages=_required("Record what the family said, and who said it."),
    )


def _consents(family):
    return (
        Consent.objects.filter(family=family, withdrawn_at__isnull=True)
        .select_related("given_by", "referral_agency")
        .prefetch_related("share_with")
    )


class ConsentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, consent):
        return f"{consent.reference}: {consent.given_by}, {consent.given_on:%d %b %Y} — " + "; ".join(
            consent.purposes()
        )


class StepDownForm(forms.Form):
    """One form for every case route; `route` decides which fields it shows and needs."""

    ROUTE_FIELDS = {
        Route.REFERRAL: ["receiving_team"],
        Route.MASH_ENQUIRY: ["receiving_team"],
        Route.SINGLE_AGENCY: ["receiving_agency"],
        Route.MASG: [],
        Route.CIN_PLAN: ["lead_professional", "cin_meeting_on", "agreement"],
    }

    rationale = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why early help, not social care, is right for the family now",
        error_messages=_required("Explain why early help, not social care, is right for the family now."),
    )
    needs = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Needs identified for early help",
        help_text="These travel with the family, with the assessment so far",
        error_messages=_required("Record the needs identified for early help."),
    )
    consent = ConsentChoiceField(
        queryset=Consent.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        label="The family's consent",
        help_text="Without one, the step-down waits for consent before a manager can approve it",
    )
    receiving_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), label="Early Help Hub", required=False
    )
    receiving_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), label="Agency the family is referred to", required=False
    )
    lead_professional = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Lead professional named at the CIN meeting", required=False
    )
    cin_meeting_on = forms.DateField(widget=DateInput, label="Date of the CIN meeting", required=False)
    agreement = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The agreement, as recorded in the CIN meeting notes",
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, route, family, **kwargs):
        super().__init__(*args, **kwargs)
        for name in {
            "receiving_team",
            "receiving_agency",
            "lead_professional",
            "cin_meeting_on",
            "agreement",
        }:
            if name not in self.ROUTE_FIELDS[route]:
                del self.fields[name]
        self.fields["consent"].queryset = _consents(family)
        if "receiving_team" in self.fields:
            self.fields["receiving_team"].queryset = Team.objects.filter(kind=TeamKind.EARLY_HELP_HUB)
        if "receiving_agency" in self.fields:
            self.fields["receiving_agency"].queryset = Agency.objects.exclude(
                kind=AgencyKind.LA_CHILDRENS_SERVICES
            ).order_by("name")
        if "lead_professional" in self.fields:
            self.fields["lead_professional"].queryset = _lead_professionals()


def _lead_professionals():
    return (
        User.objects.filter(is_active=True, groups__name=Role.PARTNER_PRACTITIONER)
        .exclude(Q(agency__isnull=True) | Q(agency__kind=AgencyKind.LA_CHILDRENS_SERVICES))
        .select_related("agency")
        .order_by("last_name", "first_name")
    )


class SubmitForm(forms.Form):
    consent = ConsentChoiceField(
        queryset=Consent.objects.none(),
        widget=forms.RadioSelect,
        label="The family's consent",
        error_messages=_required("Choose the family's consent, or record it first."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, family, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = _consents(family)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(VersionForm):
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reasons",
        error_messages=_required("Say why, so the proposer knows what to change."),
    )


class NoteForm(VersionForm):
    note = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What the hub wants to discuss",
        error_messages=_required("Say what the hub wants to discuss."),
    )


class AcceptForm(VersionForm):
    key_worker = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Early help worker who will hold the case",
        error_messages=_required("Name the early help worker who will hold the case."),
    )
    note = forms.CharField(
        max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 2}), label="Note", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_worker"].queryset = (
            User.objects.filter(is_active=True, teams__kind=TeamKind.FAMILY_HELP)
            .filter(groups__name__in=[Role.FAMILY_HELP_WORKER, Role.SOCIAL_WORKER])
            .distinct()
            .order_by("last_name", "first_name")
        )


class HubReviewForm(VersionForm):
    action = forms.ChoiceField(
        choices=HubAction.choices,
        widget=forms.RadioSelect,
        label="What the hub will do",
        error_messages=_required("Choose what the hub will do."),
    )
    rationale = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The hub's reasons",
        error_messages=_required("Record the hub's reasons."),
    )


class PanelForm(VersionForm):
    accepted = forms.TypedChoiceField(
        choices=[("yes", "The panel accepted the case"), ("no", "The panel did not accept it")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="The panel's decision",
        error_messages=_required("Say whether the panel accepted the case."),
    )
    panel_on = forms.DateField(
        widget=DateInput,
        label="Date the panel met",
        error_messages=_required("Enter the date the panel met."),
    )
    lead_professional = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Lead professional the panel named"
    )
    resources = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Resources the panel agreed",
    )
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="If not accepted: why",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_professional"].queryset = (
            User.objects.filter(is_active=True, agency__isnull=False)
            .filter(groups__name__in=[Role.PARTNER_PRACTITIONER, Role.FAMILY_HELP_WORKER])
            .distinct()
            .select_related("agency")
            .order_by("last_name", "first_name")
        )


class WithdrawForm(VersionForm):
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is withdrawn",
        error_messages=_required("Say why the step-down is withdrawn."),
    )


class AuditMonthForm(forms.Form):
    month = forms.DateField(
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        label="Month",
        error_messages={"invalid": "Enter a month like 2026-11.", "required": "Enter a month like 2026-11."},
    )


class FindingForm(forms.Form):
    rating = forms.ChoiceField(
        choices=AuditRating.choices,
        widget=forms.RadioSelect,
        label="Rating",
        error_messages=_required("Choose a rating."),
    )
    findings = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Findings",
        error_messages=_required("Record what the audit found."),
    )
    learning = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Learning for the workforce",
    )


# --- drift review -------------------------------------------------------------------------------


class DriftFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Team", empty_label="All"
    )
    reason = forms.ChoiceField(choices=[("", "Any"), *DriftReason.choices], required=False, label="Reason")

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class PutInSetForm(forms.Form):
    """The drift page's "put in a review set": the cases ticked, and a new set's name or an open set."""

    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(),
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": "Tick at least one case to put in a review set.",
            "invalid_choice": "You cannot review one of the cases you ticked.",
            "invalid_pk_value": "Tick cases from the list.",
        },
    )
    name = forms.CharField(
        max_length=200,
        required=False,
        label="A new review set named",
        help_text="For example: North, open CIN cases, December",
    )
    review_set = forms.ModelChoiceField(
        queryset=ReviewSet.objects.none(),
        required=False,
        label="Or add them to an open set",
        empty_label="Choose a set",
    )

    def __init__(self, *args, cases, sets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["review_set"].queryset = sets

    def clean(self):
        data = super().clean()
        name, review_set = (data.get("name") or "").strip(), data.get("review_set")
        if bool(name) == bool(review_set):
            self.add_error("name", "Name a new review set, or choose an open one (not both).")
        return data


class ReviewOutcomeForm(forms.Form):
    """One case's outcome in a review set; the step-down and closing fields are for those outcomes."""

    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        label="Outcome",
        error_messages=_required("Choose an outcome: continue, step down, close or escalate."),
    )
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Why the case continues, steps down, closes or needs a decision; "
        "for a step-down this is why early help, not social care, is right now",
        error_messages=_required("Give the reason for the outcome."),
    )
    route = forms.ChoiceField(
        # Route (e) needs the CIN meeting's agreement and lead professional: propose it from the case.
        choices=[("", "Choose a route"), *[c for c in CASE_ROUTE_CHOICES if c[0] != Route.CIN_PLAN]],
        required=False,
        label="If stepping down: the route",
        help_text="To step down from a child in need plan to a team around the family, propose it "
        "from the case's step-down page",
    )
    needs = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="If stepping down: the needs identified for early help",
    )
    receiving_team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        label="If stepping down by route (b) or (c): the Early Help Hub",
    )
    receiving_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, label="If referring to a single agency: the agency"
    )
    closure_reason = forms.ChoiceField(
        choices=[("", "Choose a reason"), *[c for c in ClosureReason.choices if c[0] != ClosureReason.RC9]],
        required=False,
        label="If closing: the reason for closing",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, choices: dict | None = None, **kwargs):
        """`choices` (review_outcome_choices()): the hubs' and agencies' options, read once for a page
        holding a form per case."""
        super().__init__(*args, **kwargs)
        self.fields["receiving_team"].queryset = _hubs()
        self.fields["receiving_agency"].queryset = _partner_agencies()
        for name, options in (choices or {}).items():
            self.fields[name].choices = options


def _hubs():
    return Team.objects.filter(kind=TeamKind.EARLY_HELP_HUB).order_by("name")


def _partner_agencies():
    return Agency.objects.exclude(kind=AgencyKind.LA_CHILDRENS_SERVICES).order_by("name")


def review_outcome_choices() -> dict[str, list]:
    """The select options of ReviewOutcomeForm, read once (two queries) for a whole review set."""
    return {
        "receiving_team": [("", "---------"), *[(team.pk, str(team)) for team in _hubs()]],
        "receiving_agency": [
            ("", "---------"),
            *[(agency.pk, str(agency)) for agency in _partner_agencies()],
        ],
    }
