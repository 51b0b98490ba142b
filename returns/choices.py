from django.db import models


class ReturnKind(models.TextChoices):
    CIN_CENSUS = "cin_census", "Children in Need census"
    ANNEX_A = "annex_a", "Ofsted Annex A"


class BuildState(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being made"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"
