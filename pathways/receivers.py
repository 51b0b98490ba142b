"""What pathways does when other apps tell it something happened (connected in apps.py)."""

from cases.choices import ClosureReason
from pathways import services


def case_closed(sender, case, reason: str, by, **kwargs) -> None:
    services.plan_clocks_stop_with_case(
        case=case, by=by, reason=f"Case closed: {ClosureReason(reason).label}"
    )
    services.episodes_close_with_case(case=case, reason=reason, by=by)
    services.case_tasks_close_with_case(case=case, by=by)
