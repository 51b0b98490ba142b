from django.db import models


class DisagreementState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


# The professional-disagreement ladder (the local inter-agency escalation
# procedure, "Resolving inter-agency disagreements"). Stage numbers are the rungs.
LADDER = {
    1: "Practitioner and the duty or allocated social worker",
    2: "Duty manager or team manager",
    3: "The referrer's line manager or agency safeguarding lead, with the team manager",
    4: "Service manager",
    5: "Head of service",
    6: "Director of children's services",
}
TOP_STAGE = max(LADDER)
