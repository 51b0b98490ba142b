from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    """The front door: requests for support, person matching, MASH triage, feedback to referrers."""

    name = "referrals"

    def ready(self) -> None:
        from escalation.registry import task_backfills
        from pathways.models import Decision
        from pathways.signals import decision_settled
        from referrals import receivers, services

        decision_settled.connect(
            receivers.decision_settled, sender=Decision, dispatch_uid="referrals.decision_settled"
        )

        # manage.py tray_backfill: contacts received before work trays existed.
        task_backfills.add("referrals", services.contact_tasks_backfill)
