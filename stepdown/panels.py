"""What stepdown adds to other apps' pages (registered in apps.py)."""

from cases.permissions import sees_whole_record
from stepdown.permissions import may_step_down
from stepdown.selectors import current_stepdown


def case_panel(*, user, case) -> dict | None:
    """The case page: the step-down in progress (or the last), and the way to propose one."""
    step_down = current_stepdown(case) if sees_whole_record(user) else None
    can_step_down = may_step_down(user, case)
    if not (step_down or can_step_down):
        return None
    return {"case": case, "step_down": step_down, "can_step_down": can_step_down}
