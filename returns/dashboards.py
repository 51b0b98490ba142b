"""The managers' dashboards (issue 16): a team's caseload, its flow between pathways, timeliness,
step-downs waiting and disagreements, as figures for a chosen set of teams and period.

Every figure is one grouped SQL query (annotate, Count with a filter, Min), never a loop over
cases, so a page costs the same few queries whatever the number of families. Timeliness is read
from the clocks (escalation), the one record of when each thing was due and when it was done.
What each figure means is in docs/dashboards.md. Who sees which teams is returns/permissions.py
(dashboard_teams); the figures count records, restricted ones included, and name no family.

A dashboard is kept in the cache for DASHBOARD_CACHE_SECONDS (`dashboard_cached`), per set of teams,
period and links, and says when it was made: a manager's reload, or a second manager of the same
teams, costs nothing, and the figures are never older than that."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts.choices import TeamKind
from accounts.models import Team
from cases.choices import CaseState, Pathway
from cases.models import Case, Person
from cases.selectors import feedback_by_team
from disagreements.choices import LADDER, DisagreementState
from disagreements.models import Disagreement
from escalation.choices import ClockKind, ClockState
from escalation.models import Clock
from escalation.timescales import timescales
from pathways.codes import ICPC_TARGET_DAYS
from pathways.models import CinEpisode, PathwayTransition
from pathways.selectors import supervision_overdue_by_team
from referrals.choices import TriageOutcome
from referrals.models import Contact
from returns.charts import BarChart, bar_chart
from stepdown.choices import OPEN_STATES, StepDownState
from stepdown.models import StepDown

PERIOD_MONTHS = (3, 6, 12)
DEFAULT_MONTHS = 12
# The ages step-downs waiting are grouped by, in days since they were proposed.
AGE_BANDS = ((0, 7, "Under 7 days"), (7, 28, "7 to 28 days"), (28, None, "Over 28 days"))


@dataclass(frozen=True)
class Period:
    """The days the figures cover, first and last included."""

    start: date
    end: date

    @classmethod
    def last_months(cls, months: int, today: date | None = None) -> "Period":
        today = today or timezone.localdate()
        return cls(today - relativedelta(months=months) + timedelta(days=1), today)

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_at(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def __str__(self) -> str:
        return f"{self.start.day} {self.start:%B %Y} to {self.end.day} {self.end:%B %Y}"


@dataclass(frozen=True)
class Scope:
    """The teams counted: the one chosen, or every team the user may see."""

    team_ids: tuple[int, ...]
    team: Team | None = None
    front_door_id: int | None = None  # the front door's team, when it is one of them
    teams: tuple[Team, ...] = ()  # the teams themselves, in team_ids' order

    @classmethod
    def of(cls, teams, team: Team | None = None) -> "Scope":
        counted = (team,) if team else tuple(teams)
        # The front door's team (accounts.selectors.front_door_team: the first MASH team), when counted.
        front_doors = sorted(t.pk for t in counted if t.kind == TeamKind.MASH)
        return cls(
            team_ids=tuple(t.pk for t in counted),
            team=team,
            front_door_id=front_doors[0] if front_doors else None,
            teams=counted,
        )


@dataclass
class Row:
    label: str
    value: float | None  # what the bar shows
    text: str  # the value as read
    cells: list  # the table's numbers, one per Figure.columns
    url: str = ""  # the list behind this row


@dataclass
class Figure:
    key: str
    title: str
    about: str  # what is counted, in a sentence
    label_header: str
    columns: list[str]
    rows: list[Row]
    url: str = ""  # the list behind the figure
    url_text: str = ""
    maximum: float | None = None  # 100 for percentages
    notes: list[str] = field(default_factory=list)

    @property
    def chart(self) -> BarChart:
        return bar_chart(self.rows, maximum=self.maximum)


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    figures: list[Figure]
    as_at: datetime  # when the figures were counted


def _link(allowed: bool, name: str, **query) -> str:
    if not allowed:
        return ""
    url = reverse(name)
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _team_query(scope: Scope) -> dict:
    return {"team": scope.team.pk} if scope.team else {}


def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


# --- caseload ------------------------------------------------------------------------------------


def _open_cases(scope: Scope):
    return Case.objects.filter(state=CaseState.OPEN, team_id__in=scope.team_ids)


def caseload_by_pathway(scope: Scope, links: dict) -> Figure:
    counts = dict(_open_cases(scope).values("pathway").annotate(n=Count("pk")).values_list("pathway", "n"))
    rows = [
        Row(
            label=f"Pathway {pathway.label}",
            value=counts.get(pathway.value, 0),
            text=str(counts.get(pathway.value, 0)),
            cells=[counts.get(pathway.value, 0)],
            url=_link(
                links["cases"], "cases:case-list", state="open", pathway=pathway.value, **_team_query(scope)
            ),
        )
        for pathway in Pathway
    ]
    return Figure(
        key="caseload-by-pathway",
        title="Open cases by pathway",
        about="Cases open today, by the pathway each family is on.",
        label_header="Pathway",
        columns=["Open cases"],
        rows=rows,
        url=_link(links["cases"], "cases:case-list", state="open", **_team_query(scope)),
        url_text="See the open cases",
    )


def caseload_by_worker(scope: Scope, links: dict) -> Figure:
    by_pathway = {f"pathway_{pathway}": Count("pk", filter=Q(pathway=pathway)) for pathway in Pathway.values}
    workers = (
        _open_cases(scope)
        .values("key_worker", "key_worker__first_name", "key_worker__last_name", "key_worker__username")
        .annotate(total=Count("pk"), **by_pathway)
        .order_by("-total", "key_worker__last_name", "key_worker__first_name", "key_worker")
    )
    rows = []
    for worker in workers:
        if worker["key_worker"] is None:
            name = "No key worker"
        else:
            full = f"{worker['key_worker__first_name']} {worker['key_worker__last_name']}".strip()
            name = full or worker["key_worker__username"]
        rows.append(
            Row(
                label=name,
                value=worker["total"],
                text=str(worker["total"]),
                cells=[*(worker[f"pathway_{pathway}"] for pathway in Pathway.values), worker["total"]],
                url=_link(
                    links["cases"],
                    "cases:case-list",
                    state="open",
                    key_worker=worker["key_worker"] or "null",
                    **_team_query(scope),
                ),
            )
        )
    return Figure(
        key="caseload-by-worker",
        title="Open cases by key worker",
        about=(
            "Cases open today by their key worker, and how many of each worker's cases are on each pathway."
        ),
        label_header="Key worker",
        columns=[*(f"Pathway {pathway}" for pathway in Pathway.values), "Total"],
        rows=rows,
        url=_link(links["cases"], "cases:case-list", state="open", **_team_query(scope)),
        url_text="See the open cases",
    )


# --- flow between pathways -------------------------------------------------------------------------


def _stepdowns_in(scope: Scope) -> Q:
    """A step-down counts for the team holding its case, and for the team receiving it (the Early
    Help Hub); one from a contact (no case yet) also counts for the front door."""
    condition = Q(case__team_id__in=scope.team_ids) | Q(receiving_team_id__in=scope.team_ids)
    if scope.front_door_id:
        condition |= Q(case__isnull=True)
    return condition


def flow(scope: Scope, period: Period, links: dict) -> Figure:
    moved = Q(from_pathway__isnull=False, to_pathway__isnull=False)
    moves = PathwayTransition.objects.filter(
        at__gte=period.start_at, at__lt=period.end_at, case__team_id__in=scope.team_ids
    ).aggregate(
        up=Count("case__family", distinct=True, filter=moved & Q(to_pathway__gt=F("from_pathway"))),
        down=Count("case__family", distinct=True, filter=moved & Q(to_pathway__lt=F("from_pathway"))),
    )
    stepped_down = (
        StepDown.objects.filter(
            state=StepDownState.COMPLETED, completed_at__gte=period.start_at, completed_at__lt=period.end_at
        )
        .filter(_stepdowns_in(scope))
        .aggregate(n=Count("family", distinct=True))["n"]
    )
    audit = _link(links["stepdown_audit"], "stepdown:audit")
    numbers = [
        ("Moved up a pathway", moves["up"], audit),
        ("Moved down a pathway", moves["down"], audit),
        ("Stepped down to early help", stepped_down, audit),
    ]
    return Figure(
        key="flow",
        title="Families moving between pathways",
        about=(
            "Families whose case moved up or down at least once in the period (by a recorded decision), "
            "and families whose step-down to early help was completed in the period."
        ),
        label_header="Move",
        columns=["Families"],
        rows=[Row(label=label, value=n, text=str(n), cells=[n], url=url) for label, n, url in numbers],
        url=audit,
        url_text="See the step-downs and step-ups month by month (the step-down audit)",
    )


def _rereferral_counts(scope: Scope, period: Period) -> dict[str, int]:
    """The scope's referrals in the period, and those with an earlier referral of the same child
    (merged records followed to the one kept; any team's) on or after the same day twelve months
    before. One pass over the period's referrals and the year before them: each referral's latest
    earlier one is a window over the child's referrals (a correlated EXISTS per referral took 46 s
    on the large county)."""
    episode, person, case = (model._meta.db_table for model in (CinEpisode, Person, Case))
    query = f"""
        SELECT count(*) FILTER (WHERE counted),
               count(*) FILTER (WHERE counted AND previous >= (referral_date - interval '12 months')::date)
        FROM (
            SELECT e.referral_date,
                   e.referral_date >= %(start)s AND c.team_id = ANY(%(teams)s) AS counted,
                   max(e.referral_date) OVER (
                       PARTITION BY COALESCE(merged.merged_into_id, child.merged_into_id, e.child_id)
                       ORDER BY e.referral_date - DATE '2000-01-01'
                       RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ) AS previous
            FROM "{episode}" e
            JOIN "{person}" child ON child.id = e.child_id
            LEFT JOIN "{person}" merged ON merged.id = child.merged_into_id
            LEFT JOIN "{case}" c ON c.id = e.case_id
            WHERE e.referral_date >= (%(start)s::date - interval '12 months')::date
              AND e.referral_date <= %(end)s
        ) referrals
    """  # noqa: S608 - table names from the models
    with connection.cursor() as cursor:
        cursor.execute(query, {"start": period.start, "end": period.end, "teams": list(scope.team_ids)})
        referrals, again = cursor.fetchone()
    return {"referrals": referrals, "again": again}


def rereferrals(scope: Scope, period: Period, links: dict) -> Figure:
    """The DfE's measure: referrals in the period that came within 12 months of an earlier referral
    of the same child (as Annex A list 3 counts them)."""
    counts = _rereferral_counts(scope, period)
    rate = _percent(counts["again"], counts["referrals"])
    annex_a = _link(links["annex_a"], "returns:annex-a")
    rows = [
        Row("Referrals", counts["referrals"], str(counts["referrals"]), [counts["referrals"], None], annex_a),
        Row(
            "Re-referrals within 12 months",
            counts["again"],
            str(counts["again"]),
            [counts["again"], rate],
            annex_a,
        ),
    ]
    return Figure(
        key="rereferrals",
        title="Re-referrals within 12 months",
        about=(
            "Referrals of children to pathways 3 and 4 in the period, and how many came within 12 months "
            "of an earlier referral of the same child (the DfE's re-referral measure)."
        ),
        label_header="Referrals",
        columns=["Children's referrals", "Per cent of referrals"],
        rows=rows,
        url=annex_a,
        url_text="Make Annex A: list 3 lists each referral with the referrals before it",
    )


# --- timeliness -----------------------------------------------------------------------------------


def _measures() -> list[tuple[str, str]]:
    spans = timescales()
    return [
        (ClockKind.CONTACT_DECISION, f"Contacts decided within {spans[ClockKind.CONTACT_DECISION]}"),
        (
            ClockKind.FEEDBACK_TO_REFERRER,
            f"Referrers told the outcome within {spans[ClockKind.FEEDBACK_TO_REFERRER]}",
        ),
        (ClockKind.ASSESSMENT_PATHWAY_3, f"Assessments within {spans[ClockKind.ASSESSMENT_PATHWAY_3]}"),
        (ClockKind.ICPC, f"Initial child protection conferences within {ICPC_TARGET_DAYS} working days"),
        (ClockKind.CP_REVIEW, "Child protection review conferences on time"),
        (ClockKind.PLAN_REVIEW, "Plan reviews on time"),
    ]


def timeliness(scope: Scope, period: Period, links: dict, now: datetime) -> Figure:
    measures = _measures()
    done = Q(state=ClockState.MET, ended_at__gte=period.start_at, ended_at__lt=period.end_at)
    # A clock met late keeps the reason it was late (escalation.services.clock_meet asks for one,
    # and only then): on time is met with no late reason, whatever pauses moved its due time.
    counts = {
        row["kind"]: row
        for row in Clock.objects.filter(team_id__in=scope.team_ids, kind__in=[kind for kind, _ in measures])
        .values("kind")
        .annotate(
            on_time=Count("pk", filter=done & Q(late_reason="")),
            late=Count("pk", filter=done & ~Q(late_reason="")),
            overdue=Count(
                "pk", filter=Q(state__in=[ClockState.RUNNING, ClockState.BREACHED], due_at__lt=now)
            ),
        )
        .order_by()
    }
    clocks = _link(links["clocks"], "escalation:dashboard")
    rows = []
    for kind, label in measures:
        row = counts.get(kind, {"on_time": 0, "late": 0, "overdue": 0})
        rate = _percent(row["on_time"], row["on_time"] + row["late"])
        rows.append(
            Row(
                label=label,
                value=rate,
                text="None done" if rate is None else f"{rate}%",
                cells=[row["on_time"], row["late"], rate, row["overdue"]],
                url=clocks,
            )
        )
    return Figure(
        key="timeliness",
        title="Done on time",
        about=(
            "Of the timescales met in the period, the per cent met on time; and how many are overdue now "
            "and not yet done. Read from each timescale's clock."
        ),
        label_header="Timescale",
        columns=["On time", "Late", "Per cent on time", "Overdue now"],
        rows=rows,
        url=clocks,
        url_text="See the timescales running now",
        maximum=100,
    )


# --- management oversight --------------------------------------------------------------------------


def supervision_overdue(scope: Scope, now: datetime) -> Figure:
    """Open cases whose next supervision is overdue (their SUPERVISION clock has passed its due
    time), by team: one grouped query (pathways.selectors.supervision_overdue_by_team)."""
    counts = supervision_overdue_by_team(scope.team_ids, now)
    url = reverse("pathways:supervisions-overdue")
    rows = [
        Row(
            label=team.name,
            value=counts.get(team.pk, 0),
            text=str(counts.get(team.pk, 0)),
            cells=[counts.get(team.pk, 0)],
            url=url,
        )
        for team in scope.teams
    ]
    return Figure(
        key="supervision-overdue",
        title="Cases overdue for supervision",
        about=(
            "Open cases whose next case supervision was due and has not been recorded, by the team "
            "holding them."
        ),
        label_header="Team",
        columns=["Cases overdue"],
        rows=rows,
        url=url,
        url_text="See the cases overdue for supervision",
    )


# --- the front door --------------------------------------------------------------------------------


def front_door(scope: Scope, period: Period, links: dict) -> Figure | None:
    """Contacts received in the period by what the front door decided: only with the front door."""
    if not scope.front_door_id:
        return None
    counts = dict(
        Contact.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .values("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    queue = _link(links["front_door"], "referrals:queue")
    rows = [Row("Not decided yet", counts.get("", 0), str(counts.get("", 0)), [counts.get("", 0)], queue)]
    for outcome in TriageOutcome:
        n = counts.get(outcome.value, 0)
        rows.append(Row(outcome.label, n, str(n), [n]))
    return Figure(
        key="front-door",
        title="Contacts received, by decision",
        about="Requests for support received at the front door in the period, by what was decided.",
        label_header="Decision",
        columns=["Contacts"],
        rows=rows,
        url=queue,
        url_text="See the contacts waiting for triage",
    )


# --- step-downs and disagreements ------------------------------------------------------------------


def stepdowns_waiting(scope: Scope, links: dict, now: datetime) -> list[Figure]:
    bands = {}
    for index, (low, high, _) in enumerate(AGE_BANDS):
        condition = Q(proposed_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(proposed_at__gt=now - timedelta(days=high))
        bands[f"band_{index}"] = Count("pk", filter=condition)
    counts = {
        row["state"]: row
        for row in StepDown.objects.filter(state__in=OPEN_STATES)
        .filter(_stepdowns_in(scope))
        .values("state")
        .annotate(n=Count("pk"), oldest=Min("proposed_at"), **bands)
        .order_by()
    }
    url = _link(links["stepdowns"], "stepdown:list")
    labels = dict(StepDownState.choices)
    by_state, totals = [], [0] * len(AGE_BANDS)
    for state in OPEN_STATES:
        row = counts.get(state, {"n": 0, "oldest": None} | {f"band_{i}": 0 for i in range(len(AGE_BANDS))})
        ages = [row[f"band_{i}"] for i in range(len(AGE_BANDS))]
        totals = [total + n for total, n in zip(totals, ages, strict=True)]
        oldest = (now - row["oldest"]).days if row["oldest"] else None
        by_state.append(Row(labels[state], row["n"], str(row["n"]), [row["n"], *ages, oldest], url))
    waiting = Figure(
        key="stepdowns-waiting",
        title="Step-downs waiting, by what they wait for",
        about=(
            "Step-downs not yet done, returned or withdrawn, by where each stands, with their age "
            "since they were proposed."
        ),
        label_header="Waiting for",
        columns=["Step-downs", *(label for _, _, label in AGE_BANDS), "Oldest (days)"],
        rows=by_state,
        url=url,
        url_text="See the step-downs waiting for you",
    )
    by_age = Figure(
        key="stepdowns-age",
        title="Step-downs waiting, by age",
        about="The same step-downs by how long ago they were proposed.",
        label_header="Age",
        columns=["Step-downs"],
        rows=[Row(label, n, str(n), [n], url) for (_, _, label), n in zip(AGE_BANDS, totals, strict=True)],
        url=url,
        url_text="See the step-downs waiting for you",
    )
    return [waiting, by_age]


def disagreements_by_stage(scope: Scope, links: dict, now: datetime) -> Figure:
    """Open disagreements by the rung they have reached: one about a decision counts for the team
    holding the case, one about a contact alone for the front door."""
    condition = Q(decision__case__team_id__in=scope.team_ids)
    if scope.front_door_id:
        condition |= Q(decision__isnull=True)
    counts = {
        row["stage"]: row
        for row in Disagreement.objects.filter(state=DisagreementState.OPEN)
        .filter(condition)
        .values("stage")
        .annotate(n=Count("pk"), high_risk=Count("pk", filter=Q(high_risk=True)), oldest=Min("raised_at"))
        .order_by()
    }
    url = _link(links["disagreements"], "disagreements:disagreements")
    rows = []
    for stage, name in LADDER.items():
        row = counts.get(stage, {"n": 0, "high_risk": 0, "oldest": None})
        oldest = (now - row["oldest"]).days if row["oldest"] else None
        rows.append(
            Row(f"Stage {stage}: {name}", row["n"], str(row["n"]), [row["n"], row["high_risk"], oldest], url)
        )
    return Figure(
        key="disagreements",
        title="Open disagreements, by stage",
        about=(
            "Professional disagreements not yet resolved or withdrawn, by the stage of the ladder "
            "they have reached."
        ),
        label_header="Stage",
        columns=["Open", "High risk", "Oldest (days)"],
        rows=rows,
        url=url,
        url_text="See the disagreements",
    )


# --- families' feedback ----------------------------------------------------------------------------


def families_feedback(scope: Scope, period: Period) -> Figure:
    """What families said of the help they got (cases.selectors.feedback_by_team), per team in
    scope, in the period: how many gave feedback, and the share who said yes to each question. The
    bar is the share who said the help was right."""
    rows = []
    for team_row in feedback_by_team(scope.teams, since=period.start_at, until=period.end_at):
        count = team_row["count"]
        said_yes = [
            next(answer["share"] for answer in team_row["questions"][question] if answer["answer"] == "yes")
            if count
            else None
            for question in ("help_right", "listened_to", "ask_again")
        ]
        text = f"{said_yes[0]}% of {count}" if count else "No feedback"
        rows.append(Row(team_row["team"].name, said_yes[0], text, [count, *said_yes]))
    return Figure(
        key="feedback",
        title="Families' feedback on the help they got",
        about=(
            "Feedback families gave when their plan ended or their case stepped down or closed, by "
            "the team that held the case: how many gave it, and the per cent who said yes to each "
            "question. Each family's answers are on its chronology."
        ),
        label_header="Team",
        columns=[
            "Families who gave feedback",
            "Help was right (%)",
            "Listened to (%)",
            "Would ask again (%)",
        ],
        rows=rows,
        maximum=100,
    )


# --- the whole page ----------------------------------------------------------------------------------


def dashboard(*, scope: Scope, period: Period, links: dict, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    figures = [
        caseload_by_pathway(scope, links),
        caseload_by_worker(scope, links),
        flow(scope, period, links),
        rereferrals(scope, period, links),
        timeliness(scope, period, links, now),
        supervision_overdue(scope, now),
        front_door(scope, period, links),
        *stepdowns_waiting(scope, links, now),
        disagreements_by_stage(scope, links, now),
        families_feedback(scope, period),
    ]
    return Dashboard(
        scope=scope, period=period, figures=[figure for figure in figures if figure is not None], as_at=now
    )


def dashboard_cached(*, scope: Scope, period: Period, links: dict) -> Dashboard:
    """The dashboard for these teams, period and links as counted in the last
    DASHBOARD_CACHE_SECONDS, or counted now and kept that long (0: always counted now)."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return dashboard(scope=scope, period=period, links=links)
    asked = [scope.team_ids, scope.team.pk if scope.team else None, str(period.start), str(period.end)]
    asked.append(sorted(links.items()))
    key = "dashboard:" + hashlib.sha256(json.dumps(asked).encode()).hexdigest()
    kept = cache.get(key)
    if kept is None:
        kept = dashboard(scope=scope, period=period, links=links)
        cache.set(key, kept, seconds)
    return kept
