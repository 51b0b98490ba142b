"""What pathways does when other apps tell it something happened (connected in apps.py)."""

from pathways import services


def case_closed(sender, case, reason: str, by, **kwargs) -> None:
    services.episodes_close_with_case(case=case, reason=reason, by=by)
