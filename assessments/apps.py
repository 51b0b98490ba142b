from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    """The one living assessment of each family, built from contributions (issue: the heart)."""

    name = "assessments"
