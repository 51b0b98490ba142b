"""Family group conference states and answers, declared once (issue 18, part 2)."""

from django.db import models


class FgcState(models.TextChoices):
    REFERRED = "referred", "Waiting for the family group conference service"
    ACCEPTED = "accepted", "Accepted: the coordinator is preparing the conference"
    CONFERENCE_HELD = "conference_held", "Conference held: the family's plan to record"
    PLAN_AGREED = "plan_agreed", "The family's plan agreed: review to come"
    REVIEWED = "reviewed", "The family's plan reviewed"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined by the family group conference service"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The referral's state machine, declared once: the one way through is referred -> accepted ->
# conference held -> plan agreed -> reviewed -> closed; the service may decline a referral it has
# not taken up, and a referral still open may be withdrawn (the family changed its mind, say).
FGC_TRANSITIONS: dict[str, set[str]] = {
    FgcState.REFERRED: {FgcState.ACCEPTED, FgcState.DECLINED, FgcState.WITHDRAWN},
    FgcState.ACCEPTED: {FgcState.CONFERENCE_HELD, FgcState.WITHDRAWN},
    FgcState.CONFERENCE_HELD: {FgcState.PLAN_AGREED, FgcState.WITHDRAWN},
    FgcState.PLAN_AGREED: {FgcState.REVIEWED, FgcState.WITHDRAWN},
    FgcState.REVIEWED: {FgcState.CLOSED, FgcState.WITHDRAWN},
    FgcState.CLOSED: set(),
    FgcState.DECLINED: set(),
    FgcState.WITHDRAWN: set(),
}
OPEN_STATES = (
    FgcState.REFERRED,
    FgcState.ACCEPTED,
    FgcState.CONFERENCE_HELD,
    FgcState.PLAN_AGREED,
    FgcState.REVIEWED,
)
# States in which a conference has been held (for counting children with an FGC).
CONFERENCE_STATES = (FgcState.CONFERENCE_HELD, FgcState.PLAN_AGREED, FgcState.REVIEWED, FgcState.CLOSED)


class PlanWorking(models.TextChoices):
    """At the review: is the family's own plan working?"""

    YES = "yes", "Yes: the plan is working"
    PARTLY = "partly", "Partly: some of it is working"
    NO = "no", "No: the plan is not working"
