"""What the clock engine does when other apps tell it something happened (connected in apps.py)."""

from cases.choices import AllocationRole, ClosureReason
from escalation import services
from escalation.choices import ClockKind, TaskKind, TaskState

# The clocks a case's key worker or ECPP holds for the case (case_clock's; the ICPC's).
HELD_BY_ROLE = {
    AllocationRole.KEY_WORKER: (ClockKind.PLAN_REVIEW, ClockKind.CP_REVIEW),
    AllocationRole.ECPP: (ClockKind.ICPC,),
}


def case_closed(sender, case, reason: str, by, **kwargs) -> None:
    """A closed case's clocks are cancelled, never left to fire."""
    services.clock_cancel(target=case, by=by, reason=f"Case closed: {ClosureReason(reason).label}")


def case_allocated(sender, case, role: str, user, replaced, by, **kwargs) -> None:
    """A new key worker or ECPP takes over the clocks the role holds for the case, and their tasks."""
    if role in HELD_BY_ROLE:
        services.clocks_hand_over(case=case, kinds=HELD_BY_ROLE[role], previous=replaced, user=user, by=by)


def user_access_changed(sender, user, by, **kwargs) -> None:
    """An account without a role waits for an administrator; one given a role no longer does."""
    services.account_role_tasks_sync(user=user, by=by)


def user_deleted(sender, instance, **kwargs) -> None:
    """A deleted account waits for nothing (a superuser may delete one made in error)."""
    services.tasks_close(target=instance, kind=TaskKind.ACCOUNT_ROLE, state=TaskState.CANCELLED)
