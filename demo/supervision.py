"""Demo case supervision (issue 18, 1): seed_demo calls `seed_supervisions` once, when no
supervision exists yet. Everything is recorded through pathways' services."""

from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from cases.choices import CaseState, Pathway
from cases.models import Case
from pathways import services
from pathways.permissions import supervision_refusal
from pathways.selectors import case_children

LATE = "Demo: supervision slipped while the team covered a vacancy."


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _cases_to_supervise(manager, teams):
    """Open pathway 3 and 4 cases of the teams `manager` manages, held by someone else, oldest first."""
    cases = (
        Case.objects.filter(
            state=CaseState.OPEN,
            pathway__in=[Pathway.REDUCE_RISK, Pathway.PREVENT_HARM],
            team__in=[team for team in teams if team.manager_id == manager.pk],
            key_worker__isnull=False,
        )
        .exclude(Q(key_worker=manager) | Q(ecpp=manager))
        .select_related("team", "family", "key_worker")
        .order_by("opened_at", "pk")
    )
    return [case for case in cases if supervision_refusal(manager, case) is None]


def seed_supervisions(users: dict, teams: dict) -> list:
    """Two or three supervisions by each team manager of their own pathway 3 and 4 cases, the key
    worker supervised, with actions and a reflection; the oldest case's supervision is long past, so
    it is overdue for the next one. Returns the supervisions made."""
    from pathways.models import Supervision

    if Supervision.objects.exists():
        return []
    today = timezone.localdate()
    made = []
    # Read afresh: seed_demo names the teams' managers with an update() its Team objects never see.
    teams = list(Team.objects.filter(pk__in=[team.pk for team in teams.values()]).select_related("manager"))
    managers = {team.manager for team in teams if team.manager_id}
    for manager in sorted(managers, key=lambda user: user.pk):
        cases = _cases_to_supervise(manager, teams)
        if not cases:
            continue
        oldest, *others = cases
        # Long past: the next supervision is already overdue.
        opened = timezone.localdate(oldest.opened_at)
        long_ago = _weekday(
            max(opened, today - timedelta(weeks=services.supervision_weeks(oldest.pathway) + 2))
        )
        made.append(
            services.supervision_record(
                case=oldest,
                by=manager,
                practitioner=oldest.key_worker,
                held_on=long_ago,
                children=case_children(oldest),
                what_changed="The children's father has moved back in; school attendance has dropped.",
                child_voice="Seen alone at school: said home is 'noisy at night' and drew a worry house.",
                plan_progress="Two of five plan actions done; the parenting course has not started.",
                discussion="Whether the father's return raises the risk; what the school is seeing.",
                direction="A joint visit with the health visitor; review the plan at the next core group.",
                actions=[
                    services.SupervisionActionDetails(
                        what="Joint home visit with the health visitor",
                        owner=oldest.key_worker,
                        by_when=long_ago + timedelta(days=10),
                    )
                ],
                late_reason=LATE,
            )
        )
        for days_ago, case in zip((6, 2), others[:2], strict=False):
            held_on = max(timezone.localdate(case.opened_at), _weekday(today - timedelta(days=days_ago)))
            supervision = services.supervision_record(
                case=case,
                by=manager,
                practitioner=case.key_worker,
                held_on=held_on,
                what_changed="Mum has started the parenting course and the home is calmer.",
                child_voice="Direct work with the three houses: the worry house is about money; the dream "
                "house has a dog in it.",
                plan_progress="Attendance is up to 92%; the debt advice appointment is booked.",
                discussion="Whether the progress is lasting enough to think about stepping down.",
                direction="Keep at this pathway for one more review; see the children alone before it.",
                actions=[
                    services.SupervisionActionDetails(
                        what="See the children alone at school",
                        owner=case.key_worker,
                        by_when=today + timedelta(7),
                    ),
                    services.SupervisionActionDetails(
                        what="Ask the school for this term's attendance",
                        owner=manager,
                        by_when=today + timedelta(14),
                    ),
                ],
                late_reason=LATE,
            )
            made.append(supervision)
    if made:  # the practitioner's own words beside the manager's
        services.supervision_reflect(
            supervision=made[-1],
            by=made[-1].practitioner,
            text="Helpful to think about stepping down: I will ask the family what they think first.",
        )
    return made
