from django import forms

from accounts.models import Agency, User
from accounts.selectors import active_ecpps
from assessments.forms import indicator_field, indicator_groups
from assessments.models import ThresholdIndicator
from cases.choices import ClosureReason
from config.forms import DateInput
from config.limits import LONG_TEXT
from pathways.choices import DECISION_OUTCOMES
from pathways.codes import ASSESSMENT_FACTORS, AbuseCategory, PrimaryNeed, ReferralSource, S47Outcome
from pathways.models import PlanOutcome
from pathways.services import ConferenceDecision


class DecisionForm(forms.Form):
    prefix = "decision"

    outcome = forms.ChoiceField(
        choices=DECISION_OUTCOMES,
        widget=forms.RadioSelect,
        label="What does the family need now?",
        error_messages={"required": "Choose the pathway the family needs now, or close."},
    )
    rationale = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Why",
        help_text="What in the assessment leads to this decision",
        error_messages={"required": "Explain why: a decision without a rationale cannot be recorded."},
    )
    indicators = indicator_field("Indicators relied on")
    family_view = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The family's view",
    )
    consulted = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Who was consulted",
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
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Lawful reason to share without consent (pathway 4 only)",
    )
    closure_reason = forms.ChoiceField(
        required=False,
        choices=[("", "Not closing"), *ClosureReason.choices],
        label="Closure reason (if closing)",
    )
    referral_source = forms.ChoiceField(
        required=False,
        choices=[("", "Not a referral into pathway 3 or 4"), *ReferralSource.choices],
        label="Referral source (census), when first moving into pathway 3 or 4",
    )
    primary_need = forms.ChoiceField(
        required=False,
        choices=[("", "Not a referral into pathway 3 or 4"), *PrimaryNeed.choices],
        label="Primary need (census)",
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
        self.fields["indicators"].choices = indicator_groups(cited)
        self.fields["ecpp"].queryset = active_ecpps()
        self._cited = {indicator.pk: indicator for indicator in cited}

    def cleaned_indicators(self) -> tuple[ThresholdIndicator, ...]:
        return tuple(self._cited[pk] for pk in self.cleaned_data.get("indicators") or [] if pk in self._cited)


class DecisionConfirmForm(forms.Form):
    prefix = "confirm"
    version = forms.IntegerField(widget=forms.HiddenInput)


class DecisionReturnForm(forms.Form):
    prefix = "return"
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is going back",
        error_messages={"required": "Say why it is being returned, so the proposer knows what to change."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlanOutcomeForm(forms.Form):
    prefix = "outcome"
    text = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Outcome",
        help_text="What will be different for the child and family",
        error_messages={"required": "Say what will be different for the child and family."},
    )


class PlanActionForm(forms.Form):
    prefix = "action"
    what = forms.CharField(
        max_length=LONG_TEXT, label="What will be done", error_messages={"required": "Say what will be done."}
    )
    who = forms.CharField(
        max_length=200, label="Who will do it", error_messages={"required": "Say who will do it."}
    )
    by_when = forms.DateField(
        widget=DateInput,
        label="By when",
        error_messages={"required": "Say by when.", "invalid": "Enter a real date, like 2026-12-01."},
    )
    outcome = forms.ModelChoiceField(
        queryset=PlanOutcome.objects.none(), required=False, label="For which outcome"
    )

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["outcome"].queryset = plan.outcomes.all()


class PlanReviewForm(forms.Form):
    prefix = "review"
    held_on = forms.DateField(
        widget=DateInput,
        label="Date the review was held",
        error_messages={"required": "Enter the date it was held."},
    )
    notes = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What the review found and decided",
        error_messages={"required": "Record what the review found and decided."},
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is late (only when after its due time)",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class _ChildrenChoiceMixin:
    """An optional choice of the case's children a step applies to (all of them when none is ticked)."""

    def _children_field(self, children, label: str) -> None:
        self.fields["children"] = forms.TypedMultipleChoiceField(
            required=False,
            coerce=int,
            choices=[(child.pk, str(child)) for child in children],
            widget=forms.CheckboxSelectMultiple,
            label=label,
            help_text="Leave all unticked for every child listed",
        )
        if len(children) < 2:
            self.fields["children"].widget = forms.MultipleHiddenInput()


class AssessmentAuthoriseForm(_ChildrenChoiceMixin, forms.Form):
    prefix = "authorise"
    factors = forms.MultipleChoiceField(
        choices=list(ASSESSMENT_FACTORS.items()),
        widget=forms.CheckboxSelectMultiple,
        label="Factors identified at the end of the assessment",
        error_messages={"required": "Record the factors identified, or 21 (no factors identified)."},
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is late (only when after its due time)",
    )

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._children_field(children, "Which children's assessments")


class S47OutcomeForm(_ChildrenChoiceMixin, forms.Form):
    prefix = "s47"
    outcome = forms.ChoiceField(
        choices=S47Outcome.choices,
        widget=forms.RadioSelect,
        label="Outcome of the section 47 enquiry",
        error_messages={"required": "Choose the outcome of the enquiry."},
    )
    rationale = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why",
        error_messages={"required": "Explain the outcome."},
    )

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._children_field(children, "Which children's enquiries")


CONFERENCE_CHOICES = [("plan", "Becomes subject to a child protection plan"), ("no_plan", "No plan")]


class IcpcForm(forms.Form):
    """The initial child protection conference decides for each child separately."""

    prefix = "icpc"
    held_on = forms.DateField(
        widget=DateInput,
        label="Date of the initial child protection conference",
        error_messages={"required": "Enter the date the conference was held."},
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is late (only when after its due time)",
    )

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.children = list(children)
        for child in self.children:
            self.fields[f"child_{child.pk}"] = forms.ChoiceField(
                choices=CONFERENCE_CHOICES,
                widget=forms.RadioSelect,
                label=f"{child}: the conference's decision",
                error_messages={"required": f"Record the conference's decision for {child}."},
            )
            self.fields[f"category_{child.pk}"] = forms.ChoiceField(
                required=False,
                choices=[("", "Not on a plan"), *AbuseCategory.choices],
                label=f"{child}: category of abuse",
            )

    def cleaned_children(self) -> list[ConferenceDecision]:
        data = self.cleaned_data
        return [
            ConferenceDecision(
                child=child.pk,
                cp_plan=data.get(f"child_{child.pk}") == "plan",
                category=data.get(f"category_{child.pk}") or "",
            )
            for child in self.children
        ]


class CpCategoryForm(forms.Form):
    prefix = "category"
    cp_plan = forms.IntegerField(widget=forms.HiddenInput)
    category = forms.ChoiceField(
        choices=AbuseCategory.choices,
        label="New category of abuse",
        error_messages={"required": "Choose the new category."},
    )


class CpEndForm(forms.Form):
    prefix = "cpend"
    cp_plan = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(
        widget=DateInput,
        label="Date of the review conference that ended the plan",
        error_messages={"required": "Enter the date.", "invalid": "Enter a real date, like 2026-12-01."},
    )
    rationale = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the plan ends",
        error_messages={"required": "Record why the conference ended the plan."},
    )


# --- case supervision --------------------------------------------------------------------------

ACTION_ROWS = 3  # blank action rows on the supervision form; more can be added after


class SupervisionForm(forms.Form):
    """A manager's case supervision: the services decide what it must say (supervision_record)."""

    prefix = "supervision"
    practitioner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Practitioner supervised",
        help_text="Someone allocated to the case: its key worker, ECPP or a co-worker",
        error_messages={"required": "Choose the practitioner you supervised."},
    )
    held_on = forms.DateField(
        widget=DateInput,
        label="Date the supervision was held",
        error_messages={"required": "Enter the date it was held.", "invalid": "Enter a real date."},
    )
    children = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        label="Children discussed",
        help_text="Leave all unticked for every child of the family",
    )
    what_changed = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What has changed since the last supervision",
    )
    child_voice = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The child's voice and direct work seen",
        help_text="What the children said, showed or drew, and the direct work done with them",
    )
    plan_progress = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="The plan's progress",
    )
    discussion = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Discussion",
        error_messages={"required": "Record what was discussed."},
    )
    direction = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Management direction",
        help_text="What is to happen next, as you direct it",
        error_messages={"required": "Record the management direction: what is to happen next."},
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is late (only when after it was due)",
    )

    def __init__(self, *args, practitioners=None, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        if practitioners is not None:
            self.fields["practitioner"].queryset = practitioners
        self.fields["children"].choices = [(child.pk, str(child)) for child in children]


class SupervisionActionForm(forms.Form):
    """One action row: left blank, it is no action."""

    what = forms.CharField(max_length=LONG_TEXT, required=False, label="What will be done")
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Who will do it")
    by_when = forms.DateField(
        widget=DateInput, required=False, label="By when", error_messages={"invalid": "Enter a real date."}
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners

    def clean(self):
        """A row with anything in it is an action: it says what, whose and by when (checked with the
        rest of the page, so every error shows at once; the service checks again)."""
        data = super().clean()
        if not self.has_changed():
            return data
        needed = {
            "what": "Say what will be done.",
            "owner": "Choose who will do it.",
            "by_when": "Say by when.",
        }
        for field, message in needed.items():
            if not data.get(field) and field not in self.errors:
                self.add_error(field, message)
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", None) or {}
        return not self.has_changed() or not (data.get("what") or data.get("owner") or data.get("by_when"))


SupervisionActionFormSet = forms.formset_factory(SupervisionActionForm, extra=ACTION_ROWS)


def supervision_action_formset(data=None, *, owners=None):
    return SupervisionActionFormSet(data, prefix="actions", form_kwargs={"owners": owners})


class SupervisionReflectionForm(forms.Form):
    prefix = "reflection"
    text = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Your reflection",
        help_text="Your own words beside the manager's record, which stays as written",
        error_messages={"required": "Write your reflection."},
    )
