from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who read which child's or family's record, when, from where and why (append-only)."""

    name = "audit"
