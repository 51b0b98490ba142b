from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """The one living assessment of each family, built from contributions (issue: the heart)."""

    name = "assessments"

    def ready(self) -> None:
        from assessments import panels
        from cases.panels import case_page

        # The child's voice comes first on the case page, before every other app's panel.
        case_page.add("assessments/_case_child_voice.html", panels.child_voice_case_panel, order=1)
