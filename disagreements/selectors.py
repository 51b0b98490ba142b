from django.db.models import Count

from disagreements.choices import LADDER, DisagreementState
from disagreements.models import Disagreement


def open_by_stage() -> list[tuple[int, str, int]]:
    """Each rung of the ladder with how many disagreements are open at it (one grouped query)."""
    counts = dict(
        Disagreement.objects.filter(state=DisagreementState.OPEN)
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return [(stage, name, counts.get(stage, 0)) for stage, name in LADDER.items()]


def dashboard_panel(*, user) -> dict:
    """The clock dashboard's panel (escalation/panels.py): disagreements open, by stage."""
    return {"stages": open_by_stage()}
