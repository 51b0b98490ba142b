"""What fgc adds to other apps' pages (registered in apps.py)."""

from fgc.choices import OPEN_STATES
from fgc.permissions import may_refer
from fgc.selectors import case_referrals


def case_panel(*, user, case) -> dict | None:
    """The case page: the case's family group conference referrals, and the way to refer."""
    referrals = list(case_referrals(user, case)[:10])
    open_one = any(referral.state in OPEN_STATES for referral in referrals)
    can_refer = may_refer(user, case) and not open_one
    if not (referrals or can_refer):
        return None
    return {"case": case, "referrals": referrals, "can_refer": can_refer}
