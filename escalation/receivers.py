"""What the clock engine does when other apps tell it something happened (connected in apps.py)."""

from cases.choices import ClosureReason
from escalation import services


def case_closed(sender, case, reason: str, by, **kwargs) -> None:
    """A closed case's clocks are cancelled, never left to fire."""
    services.clock_cancel(target=case, by=by, reason=f"Case closed: {ClosureReason(reason).label}")
