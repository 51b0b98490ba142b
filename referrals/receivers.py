"""What the front door does when other apps announce something (connected in apps.ready)."""

from referrals.services import contact_decision_settled


def decision_settled(sender, decision, by, **kwargs) -> None:
    """An ECPP confirmed or returned a pathway-4 proposal made at triage."""
    contact_decision_settled(decision=decision, by=by)
