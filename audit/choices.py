from django.db import models


class RecordType(models.TextChoices):
    PERSON = "person", "Person"
    FAMILY = "family", "Family"
    CASE = "case", "Case"
    CONTACT = "contact", "Request for support"
    ACCESS_LOG = "access_log", "Access log export"
    RESTRICTION = "restriction", "Restricted record"
    STATUTORY_RETURN = "statutory_return", "Statutory return (every child in it)"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class Via(models.TextChoices):
    PAGE = "page", "Page"
    API = "api", "API"
    EXPORT = "export", "Export"


class RestrictionCategory(models.TextChoices):
    HIGH_PROFILE = "high_profile", "High-profile family or child"
    STAFF_FAMILY = "staff_family", "A member of staff's family"
    ADOPTION = "adoption", "Adoption"
    OTHER = "other", "Other (explain in the reason)"


class RestrictionEventKind(models.TextChoices):
    MARKED = "marked", "Restricted"
    NAMED = "named", "User named"
    UNNAMED = "unnamed", "User no longer named"
    LIFTED = "lifted", "Restriction lifted"


# What a manager may restrict, and what someone may break glass to open.
RESTRICTABLE_RECORDS = [(RecordType.FAMILY.value, "Family"), (RecordType.PERSON.value, "Person")]
OPENABLE_RECORDS = [(RecordType.CASE.value, "Case"), *RESTRICTABLE_RECORDS]
