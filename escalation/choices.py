from django.db import models


class ClockKind(models.TextChoices):
    CONTACT_DECISION = "contact_decision", "Contact decision"
    FEEDBACK_TO_REFERRER = "feedback_to_referrer", "Feedback to the referrer"
    EHH_REVIEW = "ehh_review", "Early Help Hub review"
    ASSESSMENT_PATHWAY_3 = "assessment_pathway_3", "Assessment at pathway 3"
    EARLY_HELP_ASSESSMENT = "early_help_assessment", "Early help assessment"
    ICPC = "icpc", "Initial child protection conference"
    CP_REVIEW = "cp_review", "Child protection review conference"
    PLAN_REVIEW = "plan_review", "Plan review"
    ESCALATION_STAGE = "escalation_stage", "Escalation stage"
    ESCALATION_STAGE_HIGH_RISK = "escalation_stage_high_risk", "Escalation stage (high risk)"
    STEPDOWN_APPROVAL = "stepdown_approval", "Step-down approval"
    STEPDOWN_CONSENT = "stepdown_consent", "Step-down waiting for the family's consent"
    SUPERVISION = "supervision", "Case supervision"
    FGC_CONFERENCE = "fgc_conference", "Family group conference to be held"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


# The clock state machine, declared once. A breached clock can still be met (late, with the
# reason); met and cancelled are final.
CLOCK_TRANSITIONS: dict[str, set[str]] = {
    ClockState.RUNNING: {ClockState.PAUSED, ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED},
    ClockState.PAUSED: {ClockState.RUNNING, ClockState.MET, ClockState.CANCELLED},
    ClockState.BREACHED: {ClockState.MET, ClockState.CANCELLED},
    ClockState.MET: set(),
    ClockState.CANCELLED: set(),
}
OPEN_CLOCK_STATES = (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED)


class TaskKind(models.TextChoices):
    """What a task in a work tray asks for (escalation/services.py task_open). Made by the service
    that starts the wait, closed by the one that ends it."""

    DECISION_CONFIRM = "decision_confirm", "Confirm or return a decision"
    STEPDOWN_APPROVE = "stepdown_approve", "Approve a step-down"
    HUB_REVIEW = "hub_review", "Review a step-down at the Early Help Hub"
    CONSENT_RECORD = "consent_record", "Record the family's consent"
    CONTACT_TRIAGE = "contact_triage", "Triage a contact"
    PROPOSAL_RETURNED = "proposal_returned", "A pathway 4 proposal returned"
    DISAGREEMENT_STAGE = "disagreement_stage", "Respond to a disagreement"
    ICPC_HOLD = "icpc_hold", "Hold an initial child protection conference"
    REVIEW_DUE = "review_due", "Hold a review"
    CLOCK_DUE = "clock_due", "A timescale close to its end"
    AUDIT_FINDINGS = "audit_findings", "Record a case audit's findings"
    LEAD_PROFESSIONAL = "lead_professional", "Take up a family as lead professional"
    ACCOUNT_ROLE = "account_role", "Give an account its role"
    SUPERVISION_DUE = "supervision_due", "Supervise a case"
    SUPERVISION_ACTION = "supervision_action", "Carry out an action from supervision"
    FGC_REFERRAL = "fgc_referral", "Take up a family group conference referral"
    FGC_REVIEW = "fgc_review", "Review a family's own plan"
    REVIEW_OUTCOME = "review_outcome", "Record a case review outcome"
    DECISION_ASKED = "decision_asked", "Make the pathway decision a case review asked for"


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "No longer needed"


# The task state machine, declared once: a task is open until the work is done or the wait ends
# another way (cancelled); both are final.
TASK_TRANSITIONS: dict[str, set[str]] = {
    TaskState.OPEN: {TaskState.DONE, TaskState.CANCELLED},
    TaskState.DONE: set(),
    TaskState.CANCELLED: set(),
}
