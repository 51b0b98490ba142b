from django.apps import AppConfig


class EscalationConfig(AppConfig):
    """Working-day clocks enforced by Celery, and the professional-disagreement ladder."""

    name = "escalation"
