from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    """The four pathways of support and the decision points that move a family between them."""

    name = "pathways"

    def ready(self) -> None:
        from cases.models import Case
        from cases.signals import case_closed
        from pathways import receivers

        # However a case closes, its children's CIN episodes close with it.
        case_closed.connect(receivers.case_closed, sender=Case, dispatch_uid="pathways.case_closed")
