"""What fgc does when other apps tell it something happened (connected in apps.py)."""

from cases.choices import ClosureReason
from fgc import services


def case_closed(sender, case, reason: str, by, **kwargs) -> None:
    services.fgc_referrals_withdraw_with_case(case=case, by=by, reason=ClosureReason(reason).label)


def consent_withdrawn(sender, consent, by, **kwargs) -> None:
    services.fgc_referrals_withdraw_with_consent(consent=consent, by=by)
