from django.db import models


class RecordType(models.TextChoices):
    PERSON = "person", "Person"
    FAMILY = "family", "Family"
    CASE = "case", "Case"
    CONTACT = "contact", "Request for support"
    ACCESS_LOG = "access_log", "Access log export"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


class Via(models.TextChoices):
    PAGE = "page", "Page"
    API = "api", "API"
    EXPORT = "export", "Export"
