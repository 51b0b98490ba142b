from django.db import models

CLOSED = "closed"

# The pathway state machine, declared once: a case moves between pathways 1-4 in any direction
# (families step up and down, and a child at risk can go straight to 4), or closes. A closed case
# never moves again: the family starts a new episode. Only decisions move a case along it.
PATHWAY_TRANSITIONS: dict[int | str, set[int | str]] = {
    1: {2, 3, 4, CLOSED},
    2: {1, 3, 4, CLOSED},
    3: {1, 2, 4, CLOSED},
    4: {1, 2, 3, CLOSED},
    CLOSED: set(),
}

# What a decision at each level fulfils (seeds/000_4010baf25e1ffd5d.txt, DOMAIN.md).
STATUTORY_REQUIREMENT = {
    1: "Family support conversation",
    2: "Early help assessment",
    3: "Section 17 assessment (child in need)",
    4: "Section 47 enquiry",
}


class Outcome(models.TextChoices):
    PATHWAY_1 = "pathway_1", "Pathway 1: advice and information"
    PATHWAY_2 = "pathway_2", "Pathway 2: family help"
    PATHWAY_3 = "pathway_3", "Pathway 3: support to reduce risk"
    PATHWAY_4 = "pathway_4", "Pathway 4: support to prevent significant harm"
    CLOSE = "close", "Close: support is no longer needed"
    NFA = "nfa", "No further action"
    SIGNPOST = "signpost", "Signpost to universal services"
    # Closes the case to social care while support continues in early help (closure reason RC9).
    # Only a step-down makes it (stepdown/services.py): consent and a manager's approval first.
    EARLY_HELP = "early_help", "Referral to early help"


# What the decision screen and the decisions API offer: a referral to early help is a step-down.
DECISION_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.EARLY_HELP]

OUTCOME_PATHWAY = {Outcome.PATHWAY_1: 1, Outcome.PATHWAY_2: 2, Outcome.PATHWAY_3: 3, Outcome.PATHWAY_4: 4}
CLOSING_OUTCOMES = frozenset({Outcome.CLOSE, Outcome.NFA, Outcome.SIGNPOST, Outcome.EARLY_HELP})


class DecisionState(models.TextChoices):
    PROPOSED = "proposed", "Proposed, waiting for confirmation"
    RECORDED = "recorded", "Recorded"
    RETURNED = "returned", "Returned to the proposer"


# A decision's own small state machine.
DECISION_TRANSITIONS: dict[str, set[str]] = {
    DecisionState.PROPOSED: {DecisionState.RECORDED, DecisionState.RETURNED},
    DecisionState.RECORDED: set(),
    DecisionState.RETURNED: set(),
}


class PlanKind(models.TextChoices):
    FAMILY_SUPPORT = "family_support", "Family support plan"
    CHILD_IN_NEED = "child_in_need", "Child in need plan"
    CHILD_PROTECTION = "child_protection", "Child protection plan"


# The plan a pathway calls for. Pathway 1 keeps whatever support is in place as a family support
# plan. At pathway 4 the plan stays a child in need plan until an initial child protection
# conference decides on a child protection plan (pathways.services.icpc_record, ECPP only).
PATHWAY_PLAN = {
    1: PlanKind.FAMILY_SUPPORT,
    2: PlanKind.FAMILY_SUPPORT,
    3: PlanKind.CHILD_IN_NEED,
    4: PlanKind.CHILD_IN_NEED,
}

# Review timescales (DOMAIN.md defaults), in days: (first review, then every).
# Stored as dates now; the clock engine will count them in working days.
PLAN_REVIEW_DAYS = {
    PlanKind.FAMILY_SUPPORT: (42, 91),  # 6 weeks, then 3-monthly
    PlanKind.CHILD_IN_NEED: (84, 84),  # 12 weeks
    PlanKind.CHILD_PROTECTION: (91, 182),  # review conference 3 months after the ICPC, then 6-monthly
}


class ActionSource(models.TextChoices):
    """Where an action in the one living plan came from."""

    PLAN = "plan", "The plan"
    FAMILY_PLAN = "family_plan", "The family's own plan (family group conference)"


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"
