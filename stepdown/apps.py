from django.apps import AppConfig


class StepdownConfig(AppConfig):
    """Step-down and step-up between social care and early help, with consent and approval."""

    name = "stepdown"

    def ready(self) -> None:
        from cases.models import Case
        from cases.panels import case_page
        from cases.signals import case_closed
        from config.panels import home_page
        from escalation.registry import task_backfills
        from referrals.hooks import early_help_hub
        from stepdown import panels, receivers, services

        # The front door's triage to the Early Help Hub is step-down route (a).
        early_help_hub.connect(services.stepdown_from_contact)
        case_page.add("stepdown/_case_panel.html", panels.case_panel, order=20)
        home_page.add("stepdown/_drift_home_panel.html", panels.drift_home_panel, order=6)
        # manage.py tray_backfill: step-downs waiting from before work trays existed.
        task_backfills.add("stepdown", services.stepdown_tasks_backfill)
        # A case closed by hand withdraws the step-downs still waiting on it.
        case_closed.connect(receivers.case_closed, sender=Case, dispatch_uid="stepdown.case_closed")
