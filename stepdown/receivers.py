"""What stepdown does when other apps tell it something happened (connected in apps.py)."""

from cases.choices import ClosureReason
from stepdown import services


def case_closed(sender, case, reason: str, by, **kwargs) -> None:
    services.stepdowns_withdraw_with_case(case=case, by=by, reason=ClosureReason(reason).label)
    services.review_items_end_with_case(case=case, by=by, reason=ClosureReason(reason).label)
