from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    """The four pathways of support and the decision points that move a family between them."""

    name = "pathways"

    def ready(self) -> None:
        from assessments.panels import assessment_page
        from cases.models import Case
        from cases.panels import case_page
        from cases.signals import case_closed
        from config.panels import home_page
        from escalation.registry import task_backfills
        from pathways import receivers, selectors, services

        # However a case closes, its children's CIN episodes close with it.
        case_closed.connect(receivers.case_closed, sender=Case, dispatch_uid="pathways.case_closed")
        # An ECPP's home starts with the immediate-referral indicators waiting for one.
        home_page.add("cases/_home_sections.html", selectors.ecpp_home_panel, order=10)
        # A team manager's home starts with their teams' cases overdue for supervision.
        home_page.add("pathways/_supervision_overdue.html", selectors.supervision_home_panel, order=5)
        # The case page: last supervised, next due, overdue.
        case_page.add("pathways/_supervision_panel.html", selectors.supervision_case_panel, order=15)
        # A partner sees on the assessment page what the family agreed to share with their agency.
        assessment_page.add("pathways/_assessment_packages.html", selectors.assessment_packages_panel)
        # manage.py tray_backfill: proposals, conferences and reviews waiting from before work trays.
        task_backfills.add("pathways", services.decision_tasks_backfill)
        # ...and cases open before supervision was recorded get their SUPERVISION clock.
        task_backfills.add("pathways-supervision", services.supervision_clocks_backfill)
