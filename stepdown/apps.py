from django.apps import AppConfig


class StepdownConfig(AppConfig):
    """Step-down and step-up between social care and early help, with consent and approval."""

    name = "stepdown"
