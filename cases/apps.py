from django.apps import AppConfig


class CasesConfig(AppConfig):
    """People, families, cases (family episodes), allocations and the chronology."""

    name = "cases"
