from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    """Who read which child's or family's record, when, from where and why (append-only)."""

    name = "audit"

    def ready(self) -> None:
        from audit import receivers

        post_migrate.connect(
            receivers.access_log_months_ahead, sender=self, dispatch_uid="audit.access_log_months_ahead"
        )
