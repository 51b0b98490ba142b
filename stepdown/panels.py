"""What stepdown adds to other apps' pages (registered in apps.py)."""

from django.db.models import Count, Q

from cases.permissions import cases_visible_to, sees_whole_record
from stepdown.models import ReviewSet
from stepdown.permissions import may_step_down, stepdowns_to_take_up
from stepdown.selectors import current_stepdown


def case_panel(*, user, case) -> dict | None:
    """The case page: the step-down in progress (or the last), and the way to propose one."""
    if sees_whole_record(user):
        step_down, to_take_up = current_stepdown(case), None
    else:  # a partner sees no step-down, but may be the lead professional it named
        step_down, to_take_up = None, stepdowns_to_take_up(user).filter(case=case).first()
    can_step_down = may_step_down(user, case)
    if not (step_down or can_step_down or to_take_up):
        return None
    return {"case": case, "step_down": step_down, "can_step_down": can_step_down, "to_take_up": to_take_up}


def drift_home_panel(*, user) -> dict | None:
    """The home page of those who review drift (team managers, heads of service): the way into the
    drift review, and their own review sets still waiting for outcomes (one query)."""
    if not user.has_perm("stepdown.review_drift"):
        return None
    waiting = list(
        ReviewSet.objects.filter(created_by=user, closed_at__isnull=True)
        .annotate(waiting=Count("items", filter=Q(items__outcome="", items__case__in=cases_visible_to(user))))
        .order_by("-created_at")[:5]
    )
    return {"review_sets": waiting}
