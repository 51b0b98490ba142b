from django.apps import AppConfig


class DisagreementsConfig(AppConfig):
    """Professional disagreements and the ladder they climb (inter-agency escalation)."""

    name = "disagreements"

    def ready(self) -> None:
        from disagreements import selectors, services
        from escalation.choices import ClockKind
        from escalation.panels import clock_dashboard
        from escalation.registry import breach_handlers, task_backfills

        # A stage's missed deadline moves the disagreement up the ladder by itself.
        breach_handlers.add(ClockKind.ESCALATION_STAGE, services.disagreement_stage_missed)
        breach_handlers.add(ClockKind.ESCALATION_STAGE_HIGH_RISK, services.disagreement_stage_missed)
        clock_dashboard.add("disagreements/_dashboard_stages.html", selectors.dashboard_panel, order=10)
        # manage.py tray_backfill: disagreements open from before work trays existed.
        task_backfills.add("disagreements", services.disagreement_tasks_backfill)
