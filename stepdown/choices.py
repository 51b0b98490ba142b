"""Step-down routes, states and consent, declared once (seeds/004_1eeb0ade2e7becbd.txt, DOMAIN.md)."""

from django.db import models


class Route(models.TextChoices):
    """The five routes of 004; route 4 (after an assessment) has two destinations."""

    CONTACT = "contact", "(a) Contact below the social care threshold: to the Early Help Hub"
    REFERRAL = "referral", "(b) Referral accepted, no assessment: step down to Early Help"
    MASH_ENQUIRY = "mash_enquiry", "(c) MASH enquiry with an outcome of Early Help"
    SINGLE_AGENCY = "single_agency", "(d) After an assessment: referral to a single agency"
    MASG = "masg", "(d) After an assessment: to the multi-agency support group (MASG)"
    CIN_PLAN = "cin_plan", "(e) From a child in need plan to a team around the family"

    @property
    def outcome_wording(self) -> str:
        """What the record says the outcome is: never "no further action" when support continues."""
        return {
            "contact": "Reassigned to the Early Help Hub",
            "referral": "Step down to Early Help",
            "mash_enquiry": "MASH enquiry outcome: step down to Early Help",
            "single_agency": "Referral to early help: referred to a single agency",
            "masg": "Referral to early help: stepped down via the MASG",
            "cin_plan": "Referral to early help: team around the family",
        }[self.value]

    @property
    def guidance(self) -> str:
        return {
            "contact": "The front door reassigns a contact to the Early Help Hub, whose manager reviews "
            "it within 24 hours.",
            "referral": "The case was accepted as a referral but no assessment will be done. It moves to "
            "pathway 2 with the needs identified, and the Early Help Hub accepts it or asks to discuss.",
            "mash_enquiry": "A MASH enquiry found early help is what the family needs. As route (b): "
            "the Early Help Hub accepts the transfer or asks to discuss.",
            "single_agency": "The assessment is done and one agency can meet the needs. The referral "
            "goes to that agency and the case closes to social care (RC9, not RC8).",
            "masg": "The assessment is done and a multi-agency support plan is needed. The "
            "multi-agency support group names the lead professional and resources; the case "
            "closes to social care only when the panel accepts it.",
            "cin_plan": "The child in need meeting agreed the step-down and named the lead "
            "professional from a partner agency. No panel is needed.",
        }[self.value]


# Routes that end with the case closing to social care: outcome "referral to early help", RC9.
CLOSING_ROUTES = frozenset({Route.SINGLE_AGENCY, Route.MASG, Route.CIN_PLAN})
# Routes that hand the family to the Early Help Hub.
HUB_ROUTES = frozenset({Route.CONTACT, Route.REFERRAL, Route.MASH_ENQUIRY})
# Routes a case holder proposes from a case (route (a) starts at the front door's triage).
CASE_ROUTES = [route for route in Route if route != Route.CONTACT]
CASE_ROUTE_CHOICES = [(route.value, route.label) for route in CASE_ROUTES]


class StepDownState(models.TextChoices):
    AWAITING_CONSENT = "awaiting_consent", "Waiting for the family's consent"
    PROPOSED = "proposed", "Waiting for a team manager's approval"
    WITH_HUB = "with_hub", "With the Early Help Hub for review"
    DISCUSSING = "discussing", "The Early Help Hub asked to discuss"
    AWAITING_PANEL = "awaiting_panel", "Waiting for the multi-agency support group"
    COMPLETED = "completed", "Done: support continues in early help"
    RETURNED = "returned", "Returned with reasons"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The step-down state machine, declared once. Consent withdrawn before anything was shared sends
# a step-down back to waiting for consent; approval sends it on by route.
STEPDOWN_TRANSITIONS: dict[str, set[str]] = {
    StepDownState.AWAITING_CONSENT: {StepDownState.PROPOSED, StepDownState.WITHDRAWN},
    StepDownState.PROPOSED: {
        StepDownState.WITH_HUB,
        StepDownState.AWAITING_PANEL,
        StepDownState.COMPLETED,
        StepDownState.RETURNED,
        StepDownState.WITHDRAWN,
        StepDownState.AWAITING_CONSENT,
    },
    StepDownState.WITH_HUB: {StepDownState.COMPLETED, StepDownState.DISCUSSING, StepDownState.RETURNED},
    StepDownState.DISCUSSING: {StepDownState.COMPLETED},
    StepDownState.AWAITING_PANEL: {StepDownState.COMPLETED, StepDownState.RETURNED},
    StepDownState.COMPLETED: set(),
    StepDownState.RETURNED: set(),
    StepDownState.WITHDRAWN: set(),
}
OPEN_STATES = (
    StepDownState.AWAITING_CONSENT,
    StepDownState.PROPOSED,
    StepDownState.WITH_HUB,
    StepDownState.DISCUSSING,
    StepDownState.AWAITING_PANEL,
)


class HubAction(models.TextChoices):
    """What the Early Help Hub manager does with a contact reassigned to it (route (a))."""

    LINK = "link", "Link to the family's existing early help episode"
    ENQUIRY = "enquiry", "Start an Early Help Hub enquiry (pathway 1: advice and information)"
    ASSESSMENT = "assessment", "Start an early help assessment (pathway 2: family help)"


class ConsentCapacity(models.TextChoices):
    PARENT = "parent", "Parent or carer with parental responsibility"
    YOUNG_PERSON = "young_person", "Young person of sufficient age and understanding"


# A young person may consent for themselves from this age, where the practitioner judges they
# understand what they agree to (Gillick competence); the judgement goes in "recorded where".
YOUNG_PERSON_MIN_AGE = 12


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", "Verbally (in person or by phone)"
    WRITTEN = "written", "In writing (signed form or letter)"
    ELECTRONIC = "electronic", "Electronically (email or online form)"


class AuditRating(models.TextChoices):
    GOOD = "good", "Good: the right step at the right time"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate: the family was not safely supported"


class SampleKind(models.TextChoices):
    STEP_DOWN = "step_down", "Step-down"
    STEP_UP = "step_up", "Step-up"


# --- drift review (issue 18: cases that have stopped moving) ------------------------------------


class DriftReason(models.TextChoices):
    """Why a case is drifting: one rule each, thresholds in settings (DRIFT_*), see stepdown/drift.py."""

    PLAN_STILL = "plan_still", "Open long at pathway 3 with no plan change"
    NO_VISIT = "no_visit", "No visit within the visiting interval"
    SUPERVISION = "supervision", "Supervision not on time"
    ACTIONS_OVERDUE = "actions_overdue", "Every open plan action overdue"
    CP_PLAN_LONG = "cp_plan_long", "Child protection plan open too long"
    NOT_SEEN_ALONE = "not_seen_alone", "A child not seen alone"


class ReviewOutcome(models.TextChoices):
    """What a manager decides for a case in a review set (as Stockton's audit of every open CIN case)."""

    CONTINUE = "continue", "Continue, with a reason"
    STEP_DOWN = "step_down", "Step down to early help"
    CLOSE = "close", "Close the case"
    ESCALATE = "escalate", "Escalate: the pathway needs a decision"

    @property
    def past_tense(self) -> str:
        return {
            "continue": "continued",
            "step_down": "stepped down",
            "close": "closed",
            "escalate": "escalated",
        }[self.value]
