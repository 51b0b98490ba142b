from django.apps import AppConfig
from django.db.models.signals import post_delete


class EscalationConfig(AppConfig):
    """The clock engine: working-day timescales on anything, enforced by Celery (the sweep), and
    the notifications it and other apps send."""

    name = "escalation"

    def ready(self) -> None:
        from accounts.models import User
        from accounts.signals import user_access_changed
        from cases.models import Case
        from cases.signals import case_allocated, case_closed
        from config.panels import home_page
        from escalation import receivers, services
        from escalation.panels import tray_home_panel
        from escalation.registry import task_backfills

        home_page.add("escalation/_tray_panel.html", tray_home_panel, order=0)

        # However a case closes, its own clocks stop (its plans' stop with pathways').
        case_closed.connect(receivers.case_closed, sender=Case, dispatch_uid="escalation.case_closed")
        # A new key worker or ECPP takes over the case's clocks and the tasks they time.
        case_allocated.connect(
            receivers.case_allocated, sender=Case, dispatch_uid="escalation.case_allocated"
        )
        # An account without a role waits in the administrators' trays until it has one.
        user_access_changed.connect(
            receivers.user_access_changed, sender=User, dispatch_uid="escalation.user_access_changed"
        )
        post_delete.connect(receivers.user_deleted, sender=User, dispatch_uid="escalation.user_deleted")
        task_backfills.add("accounts", services.account_tasks_backfill)
