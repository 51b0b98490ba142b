from django.db import models


class AgencyKind(models.TextChoices):
    LA_CHILDRENS_SERVICES = "la_childrens_services", "Local authority children's services"
    SCHOOL = "school", "School or education"
    HEALTH = "health", "Health"
    POLICE = "police", "Police"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary and community sector"


class TeamKind(models.TextChoices):
    FAMILY_HELP = "family_help", "Family Help team"
    MASH = "mash", "Multi-agency safeguarding hub (front door)"
    EARLY_HELP_HUB = "early_help_hub", "Early Help Hub"
    CHILD_PROTECTION = "child_protection", "Expert child protection practitioners"
    QUALITY_ASSURANCE = "quality_assurance", "Quality assurance"
    FAMILY_GROUP_CONFERENCE = "family_group_conference", "Family group conference service"
    PARTNER = "partner", "Partner agency team"
    ADMINISTRATION = "administration", "System administration"


class Role(models.TextChoices):
    """Roles are Django groups of the same name, with the permissions in accounts/roles.py."""

    FAMILY_HELP_WORKER = "family_help_worker", "Family help worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    ECPP = "expert_cp_practitioner", "Expert child protection practitioner"
    MASH_MANAGER = "mash_manager", "MASH manager"
    TEAM_MANAGER = "team_manager", "Team manager"
    HEAD_OF_SERVICE = "head_of_service", "Head of service"
    PARTNER_PRACTITIONER = "partner_practitioner", "Partner agency practitioner"
    FGC_COORDINATOR = "fgc_coordinator", "Family group conference coordinator"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"
