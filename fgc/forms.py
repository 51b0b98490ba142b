"""Forms for referring a family, the coordinator's records and the actions on a referral. The
services make the rules; these only collect what people type (and keep it when a service refuses)."""

from django import forms

from cases.models import Case, Person
from config.forms import DateField
from config.limits import LONG_TEXT
from fgc.choices import PlanWorking
from pathways.selectors import case_children
from stepdown.models import Consent

PLAN_ROWS = 5  # rows for the family's plan on the page (no JavaScript needed to add more)


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class ConsentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, consent):
        return f"{consent.reference}: {consent.given_by}, {consent.given_on:%d %b %Y} — " + "; ".join(
            consent.purposes()
        )


class ChildrenField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, person):
        return str(person)


class ReferralForm(forms.Form):
    consent = ConsentChoiceField(
        queryset=Consent.objects.none(),
        required=False,
        widget=forms.RadioSelect,
        label="The family's consent to a family group conference",
        help_text="Only current consents of this family that cover a family group conference are listed",
    )
    children = ChildrenField(
        queryset=Person.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="The children the conference is about",
        error_messages=_required("Choose the children the conference is about."),
    )
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="What the family wants help with",
        help_text="In the family's words where you can: what they want their network to help them with",
        error_messages=_required("Say what the family wants help with."),
    )

    def __init__(self, *args, case: Case, consents, **kwargs):
        super().__init__(*args, **kwargs)
        # The family's current consents that cover a conference (the service refuses any other, by id).
        self.fields["consent"].queryset = consents.filter(
            family=case.family, withdrawn_at__isnull=True, family_group_conference=True
        ).select_related("given_by", "referral_agency")
        self.fields["children"].queryset = case_children(case)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the service cannot take the referral up",
        error_messages=_required("Say why the service cannot take the referral up."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the referral is withdrawn",
        error_messages=_required("Say why the referral is withdrawn."),
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note (optional)",
    )


class ConferenceForm(forms.Form):
    held_on = DateField(
        label="Date the conference was held",
        must_be="today_or_past",
        error_messages=_required("Enter the date the conference was held."),
    )
    attendees = forms.CharField(
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Who came",
        help_text="Family members, friends and professionals, and who each is to the children",
        error_messages=_required("Say who came."),
    )
    attendee_count = forms.IntegerField(
        min_value=1,
        max_value=500,
        label="How many came",
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3", "inputmode": "numeric"}),
        error_messages={
            "required": "Say how many people came.",
            "invalid": "How many came must be a whole number.",
            "min_value": "How many came must be 1 or more.",
        },
    )
    family_private_time = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Did the family have private time?",
        help_text="Time for the family alone, without professionals, to make its plan",
        error_messages=_required("Say whether the family had private time."),
    )
    notes = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Notes (optional)",
    )
    late_reason = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="If the conference was late, why",
    )


class PlanForm(forms.Form):
    """The family's own plan: when they agreed it and up to PLAN_ROWS actions (what, who, by when).
    Blank rows are left out; a row half filled in is an error on that row."""

    agreed_on = DateField(
        label="Date the family agreed its plan",
        must_be="today_or_past",
        error_messages=_required("Enter the date the family agreed its plan."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for n in range(1, PLAN_ROWS + 1):
            self.fields[f"what_{n}"] = forms.CharField(
                max_length=LONG_TEXT, required=False, label=f"Action {n}: what will be done"
            )
            self.fields[f"who_{n}"] = forms.CharField(
                max_length=200, required=False, label=f"Action {n}: who will do it"
            )
            self.fields[f"by_when_{n}"] = DateField(required=False, label=f"Action {n}: by when")

    def rows(self):
        return [
            (n, self[f"what_{n}"], self[f"who_{n}"], self[f"by_when_{n}"]) for n in range(1, PLAN_ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        actions = []
        for n in range(1, PLAN_ROWS + 1):
            what, who, by_when = (data.get(f"{name}_{n}") for name in ("what", "who", "by_when"))
            failed_date = f"by_when_{n}" in self.errors
            if not (what or who or by_when or failed_date):
                continue
            if not what:
                self.add_error(f"what_{n}", f"Action {n}: say what will be done.")
            if not who:
                self.add_error(f"who_{n}", f"Action {n}: say who will do it.")
            if not by_when and not failed_date:
                self.add_error(f"by_when_{n}", f"Action {n}: say by when.")
            actions.append((what, who, by_when))
        if not actions and not self.errors:
            self.add_error("what_1", "Add at least one action of the family's plan: what, who and by when.")
        data["actions"] = actions
        return data


class ReviewForm(forms.Form):
    held_on = DateField(
        label="Date of the review",
        must_be="today_or_past",
        error_messages=_required("Enter the date of the review."),
    )
    plan_working = forms.ChoiceField(
        choices=PlanWorking.choices,
        widget=forms.RadioSelect,
        label="Is the family's plan working?",
        error_messages=_required("Say whether the family's plan is working."),
    )
    notes = forms.CharField(
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What the family and the network said",
    )
