"""System checks for deployment (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def history_tamper_check(app_configs, **kwargs):
    if settings.DATABASE_OWNER:
        return []
    return [
        Warning(
            "History is not tamper-proof: the application connects as the owner of its tables, so a "
            "bug or an intruder with its credentials could switch the append-only triggers off.",
            hint="Create two database roles and set DATABASE_OWNER_URL to the owner (used by migrate); "
            "DATABASE_URL's role is then granted INSERT and SELECT only on history (docs/security.md).",
            id="continuum.W001",
        )
    ]
