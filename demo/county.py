"""A synthetic county for load testing (`manage.py seed_county --scale S`): ten years of a large
authority's children's services, written with PostgreSQL COPY and set-based INSERT ... SELECT
instead of the services, but keeping the rules the services keep.

What the rows obey (the services' rules, kept by construction and checked by
tests/demo/test_seed_county.py):
- a case opens at pathway 1 from a triaged contact; every later pathway is reached by a recorded
  decision (a PathwayTransition along PATHWAY_TRANSITIONS) made by someone entitled to decide at
  its level (pathway 4: proposed, then confirmed by an ECPP); a closed case closed by a decision;
  at most one open case per family; an open case has a key worker (a qualified one at 3 and 4)
  and, at 4, an ECPP; allocations end when the case closes; the key worker's view permission;
- clocks run for what is open (contacts waiting for triage or for their letter, early help and
  pathway 3 assessments, ICPCs, plan and CP reviews), with the due time the timescales give and a
  started event; a clock past its due time is breached;
- each child of a case that reached the pathways that count (settings.CIN_EPISODE_FROM_PATHWAY)
  has its statutory records as pathways.services writes them (ChildRecords): a CIN episode from
  that decision, closed with the case (RC8/RC9 only straight after assessment), a section 17
  assessment, child in need plan periods, at pathway 4 a section 47 enquiry (open while the ICPC
  clock runs) and, where the ICPC was held, child protection plans with category and reviews;
- append-only tables are only inserted into; the chronology and the access log are hash-chained
  exactly as their trigger would chain them (the same SQL, config.models.chain_digest_sql), so
  `manage.py history_verify` passes.
Everything is invented: names from pools drawn once from Faker en_GB, synthetic NHS numbers
(the 999 range), pupil numbers under the DfE's pseudo LA code 001.
"""

# Its SQL is built from model table names (never from input), and its randomness is for synthetic
# data, not secrets; its row tuples are kept one line per row where the formatter allows.
# ruff: noqa: S608, S311, E501

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from faker import Faker

from accounts.choices import Role, TeamKind
from accounts.models import Team, User
from accounts.services import user_create
from assessments.choices import ConversationKind, GatheredBy, ScaledBy, Section
from assessments.models import Assessment, Contribution, Conversation
from audit.services import access_log_partitions_maintain
from cases.choices import (
    AllocationRole,
    CaseState,
    ChronologyKind,
    ClosureReason,
    FamilyRole,
    PersonKind,
    RelationshipKind,
    Sex,
)
from cases.models import (
    ACCESS_LOG_CHAINED,
    CHRONOLOGY_CHAINED,
    AccessLogEntry,
    Address,
    Allocation,
    Case,
    CaseUserObjectPermission,
    ChronologyEntry,
    Family,
    FamilyMember,
    Person,
    Relationship,
)
from config.models import chain_digest_sql, chain_head_follow
from escalation.calendar import end_of_working_day, working_days_after
from escalation.choices import ClockKind, ClockState
from escalation.models import Clock, ClockEvent
from escalation.timescales import due_for
from pathways.choices import (
    PATHWAY_PLAN,
    PLAN_REVIEW_DAYS,
    DecisionState,
    Outcome,
    PlanKind,
)
from pathways.codes import (
    ASSESSMENT_FACTORS,
    ICPC_TARGET_DAYS,
    NO_FACTORS,
    AbuseCategory,
    PrimaryNeed,
    ReferralSource,
    S47Outcome,
)
from pathways.models import (
    ChildAssessment,
    CinEpisode,
    CinPlanPeriod,
    CpCategoryChange,
    CpPlan,
    CpReview,
    Decision,
    PathwayTransition,
    Plan,
    PlanChange,
    Section47,
)
from referrals.choices import (
    Channel,
    ContactState,
    FamilyConsent,
    FeedbackMethod,
    SubjectRole,
    TriageOutcome,
    Urgency,
)
from referrals.models import Contact, ContactEvent, ContactSubject
from referrals.services import contact_reference_format
from stepdown.choices import ConsentCapacity, ConsentMethod, Route, StepDownState
from stepdown.models import Consent, StepDown, StepDownEvent

# --- What a county holds at scale 1.0 (issue 17) -------------------------------------------------
FAMILIES = 100_000  # people follow from the household sizes below: about 3 a family
CONTACTS = 1_000_000
CHRONOLOGY = 10_000_000
CONVERSATIONS = 1_000_000  # and about two contributions each: ~3M together
ACCESS_LOG = 50_000_000
YEARS = 10
# Open cases at one moment, by pathway (a few thousand at 2, ~3,000 at 3, ~500 at 4).
OPEN_AT = {1: 800, 2: 4_000, 3: 3_000, 4: 500}
CASELOAD = 20  # open cases a worker holds
TEAM_LOAD = 300  # open cases a family help team holds
# Episodes a family has had over the ten years (weights for 0, 1, 2, ...): mean ~2.3 (fewer fit
# in ten years for families known lately): ~150,000 episodes at scale 1.0; a few families come
# back again and again.
EPISODES = [15, 28, 22, 14, 8, 5, 3, 2, 1.5, 1.5]
ADULTS = [(1, 55), (2, 45)]
CHILDREN = [(1, 60), (2, 27), (3, 10), (4, 3)]
# Closed episodes: the highest pathway they reached.
CLOSED_MAX = [(1, 30), (2, 40), (3, 22), (4, 8)]
# How long an episode runs, by its highest pathway (days).
EPISODE_DAYS = {1: (5, 60), 2: (60, 420), 3: (90, 540), 4: (150, 720)}
OPEN_AGE_DAYS = {1: (1, 60), 2: (3, 540), 3: (20, 720), 4: (5, 600)}
# Practitioner notes a day of an open episode, by pathway (the rest of the chronology is the
# system's own entries); multiplied by a heavy-tailed family factor.
NOTE_RATE = {1: 0.3, 2: 1.0, 3: 1.6, 4: 2.4}
STEP_DOWN_SHARE = 0.25  # closed pathway-3 episodes that end by a step-down to early help

ETHNICITIES = ["WBRI"] * 12 + ["WOTH", "MWBC", "MWAS", "AIND", "APKN", "ABAN", "BAFR", "BCRB", "CHNE", "NOBT"]
CONCERNS = [
    "School is worried about attendance and the child arriving hungry.",
    "Neighbour reports shouting late at night and a child crying.",
    "Mum asked for help with the children's behaviour and money worries.",
    "Police attended a domestic incident; children present.",
    "Health visitor concerned about missed appointments and the home conditions.",
    "GP reports a parent's mental health has deteriorated.",
    "Young person disclosed to a teacher that they do not want to go home.",
    "Housing officer reports the family is about to be evicted.",
]
RATIONALES = [
    "Needs can be met with advice and universal services.",
    "The family asked for help and needs are growing: family help.",
    "Needs are growing despite family help: a child in need assessment.",
    "Strategy discussion held: reasonable cause to suspect significant harm.",
    "The plan's goals are met and the family agrees support can end.",
    "Risk has reduced; the family will carry on with support at a lower level.",
]
CONTRIBUTIONS = [
    "Attendance this term is 88%; settled in class when fed.",
    "Mum and the children are close; grandparents help at weekends.",
    "The home was cold and there was little food in the cupboards.",
    "Dad has started the parenting course and attends every week.",
    "The eldest says they worry about mum when she is sad.",
    "Rent arrears are being paid off with the housing officer's help.",
]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _scaled(count: float, scale: float, least: int = 1) -> int:
    return max(least, round(count * scale))


def _nhs_numbers():
    """Valid NHS numbers in the synthetic range (999 000 000 0 - 999 999 999 9), in order."""
    for body in range(999_000_000, 1_000_000_000):
        digits = str(body)
        check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            yield digits + str(check)


@dataclass
class Staff:
    """Who does the county's work: by team, the family help workers and social workers who hold
    its cases, its manager; and the front door and the ECPPs."""

    teams: list[Team]
    fh_workers: dict[int, list[User]]
    social_workers: dict[int, list[User]]
    managers: dict[int, User]
    mash: list[User]
    ecpps: list[User]
    everyone: list[User] = field(default_factory=list)


@dataclass
class Episode:
    id: int
    family: int
    team: int
    opened: datetime
    closed: datetime | None
    pathway: int  # where it is now (open) or was when it closed
    key_worker: int
    ecpp: int | None
    entered_current: datetime
    plan: int | None = None
    plan_kind: str = ""
    next_review: date | None = None
    notes: int = 0


class Copier:
    """COPY rows into a table on the load's connection, timing each table."""

    def __init__(self, cursor, timings: dict[str, float]):
        self.cursor = cursor
        self.timings = timings

    def __call__(self, model, columns: list[str], rows) -> int:
        table = model._meta.db_table if hasattr(model, "_meta") else model
        started = time.monotonic()
        count = 0
        # The database has no column defaults (Django keeps them): give the model's own.
        defaults = self._defaults(model, columns) if hasattr(model, "_meta") else {}
        quoted = ", ".join(f'"{column}"' for column in [*columns, *defaults])
        extra = tuple(defaults.values())
        with self.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row + extra if extra else row)
                count += 1
        self.timings[table] = self.timings.get(table, 0.0) + time.monotonic() - started
        return count

    @staticmethod
    def _defaults(model, columns) -> dict:
        given = set(columns)
        defaults = {}
        for column in model._meta.concrete_fields:
            if column.column in given or column.primary_key or column.null:
                continue
            value = column.get_default()
            if value is not None:
                defaults[column.column] = value
        return defaults


class ChildRecords:
    """The children's statutory records of the county's cases (CIN census, Annex A), as
    pathways.services writes them: each child of a case that reaches the pathways that count
    (settings.CIN_EPISODE_FROM_PATHWAY) has an episode from that decision, with a section 17
    assessment; a child in need plan period while the family's plan is a child in need plan; at
    pathway 4 a section 47 enquiry, its outcome and, where held, the ICPC and child protection
    plans (with their category and review conferences); the episode closes with the case, with
    the reason that fits what happened in it (RC8 and RC9 only straight after assessment)."""

    FACTORS = [code for code in ASSESSMENT_FACTORS if code != NO_FACTORS]

    def __init__(self, county: County, chron: list, agency_of: dict):
        self.county, self.rng, self.chron, self.agency_of = county, county.rng, chron, agency_of
        self.today = county.today
        self.ids = {
            model: county._next_id(model, 0)
            for model in (CinEpisode, ChildAssessment, CinPlanPeriod, Section47, CpPlan)
        }
        self.episodes, self.assessments, self.cin_plans, self.s47s, self.cp_plans = [], [], [], [], []
        self.category_changes, self.cp_reviews = [], []
        self.cp_count: dict[int, int] = {}  # the child's plans so far (previous_plans)

    def _id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model] - 1

    def _note(self, episode: Episode, child: int, summary: str, author: int, on: date) -> None:
        first, last, _ = self.county.person_name[child]
        at = min(datetime.combine(on, datetime.min.time(), tzinfo=UTC).replace(hour=12), self.county.now)
        self.chron.append(
            (episode.family, episode.id, child, ChronologyKind.CHILD_RECORD, at, f"{first} {last}: {summary}"[:300],
             "", author, self.agency_of.get(author))
        )  # fmt: skip

    def _children(self, family: int, on: date, is_open: bool) -> list[int]:
        """The family's children at the referral: born by then and under 18 (for an open case,
        still under 18 today, as case_children counts them)."""
        children = []
        for child in self.county.family_children[family]:
            born = self.county.person_name[child][2]
            age_at = self.today if is_open else on
            if born <= on and (age_at - born).days < 18 * 365:
                children.append(child)
        return children

    def add(
        self, episode: Episode, steps, plan_history, held_on, closure: str, manager: int, *, is_open: bool
    ):
        rng = self.rng
        threshold = settings.CIN_EPISODE_FROM_PATHWAY
        localdate = timezone.localdate
        # The moves of the case (the pathway after each), the first into the pathways that count.
        moves, current = [], 1
        for target, at, decision, _, _ in steps:
            if target != current:
                moves.append((target, localdate(at), decision))
                current = target
        opening = next((move for move in moves if move[0] >= threshold), None)
        if opening is None:
            return
        _, referral, decision = opening
        closing = localdate(episode.closed) if episode.closed else None
        children = self._children(episode.family, referral, is_open)
        if not children:
            return
        source, need = self.county.decision_codes[decision]
        author = episode.key_worker or manager
        # The section 17 assessment: authorised by the team manager, mostly within 45 working days;
        # still open while the pathway-3 clock runs (or the date has not come yet).
        authorised = working_days_after(
            referral, rng.randint(8, 45) if rng.random() < 0.85 else rng.randint(46, 70)
        )
        if closing is not None:
            authorised = min(authorised, closing)
        elif authorised >= self.today or (
            episode.pathway == 3
            and referral == localdate(episode.entered_current)
            and self.county.now - episode.entered_current < timedelta(days=63)
        ):
            authorised = None
        factors = sorted(rng.sample(self.FACTORS, rng.randint(1, 3)))  # 21 (none) would ask for RC8/RC9
        # The enquiry, when the case came into pathway 4 after the referral.
        into_4 = next(((on, index) for index, (target, on, _) in enumerate(moves) if target == 4), None)
        s47 = None
        if into_4 is not None:
            started, index = into_4
            left_4 = moves[index + 1][1] if index + 1 < len(moves) else closing
            target_on = working_days_after(started, ICPC_TARGET_DAYS)
            if held_on is not None:
                decided = min(started + timedelta(days=rng.randint(2, 8)), held_on)
                s47 = (started, target_on, S47Outcome.HOLD_ICPC, decided, held_on)
            elif left_4 is not None:
                # Stepped down or closed before a conference: the concerns were not substantiated.
                outcome = rng.choice(
                    [S47Outcome.CONTINUE_CIN, S47Outcome.CONTINUE_CIN, S47Outcome.NO_FURTHER_ACTION]
                )
                s47 = (started, target_on, outcome, self._between(started, left_4), None)
            elif rng.random() < 0.35 and self.today - started > timedelta(days=3):
                # Open at pathway 4: the ECPP decided to hold a conference that is still to come.
                s47 = (started, target_on, S47Outcome.HOLD_ICPC, self._between(started, self.today), None)
            else:
                s47 = (started, target_on, "", None, None)  # the enquiry goes on (the ICPC clock runs)
        # The child in need plan: from when the family's plan became one (started or re-typed).
        cin_from = next(
            (
                max(localdate(at), referral)
                for _, to_kind, _, at, _ in plan_history
                if to_kind == PlanKind.CHILD_IN_NEED and (closing is None or localdate(at) <= closing)
            ),
            None,
        )
        cp_children = set()
        if held_on is not None:
            cp_children = {child for child in children if rng.random() < 0.85} or {rng.choice(children)}
        category = rng.choice(AbuseCategory.values[:4] * 3 + [AbuseCategory.MUL])
        for child in children:
            episode_id = self._id(CinEpisode)
            went_further = False
            self._note(
                episode, child, "referral: child in need episode and assessment started", author, referral
            )
            self.assessments.append(
                (self._id(ChildAssessment), episode_id, referral, authorised, manager if authorised else None,
                 factors if authorised else [])
            )  # fmt: skip
            cp_start = held_on if child in cp_children else None
            if cin_from is not None and (cp_start is None or cin_from < cp_start):
                ends = cp_start - timedelta(days=1) if cp_start else closing
                self.cin_plans.append((self._id(CinPlanPeriod), episode_id, cin_from, ends))
                went_further = True
            if s47 is not None:
                s47_id = self._id(Section47)
                self.s47s.append((s47_id, episode_id, *s47))
                self._note(episode, child, "section 47 enquiry started", episode.ecpp or author, s47[0])
                went_further = True
                if cp_start is not None:
                    cp_id = self._id(CpPlan)
                    self.cp_plans.append(
                        (cp_id, episode_id, s47_id, cp_start, closing, category, category, self.cp_count.get(child, 0))
                    )  # fmt: skip
                    self.cp_count[child] = self.cp_count.get(child, 0) + 1
                    at = datetime.combine(cp_start, datetime.min.time(), tzinfo=UTC).replace(hour=15)
                    self.category_changes.append((cp_id, "", category, cp_start, at, episode.ecpp or author))
                    self._note(episode, child, f"child protection plan started ({AbuseCategory(category).label})",
                               episode.ecpp or author, cp_start)  # fmt: skip
                    # Review conferences: 3 months after the ICPC, then 6-monthly.
                    review = cp_start + timedelta(days=91)
                    while review <= (closing or self.today - timedelta(days=1)):
                        self.cp_reviews.append((cp_id, review))
                        review += timedelta(days=182)
            reason = ""
            if closing is not None:
                reason = closure
                if went_further and reason in (ClosureReason.RC8, ClosureReason.RC9):
                    reason = ClosureReason.RC7  # DfE rule 2990, as pathways.services._close_reason
                self._note(episode, child, f"child in need episode closed ({ClosureReason(reason).label})",
                           author, closing)  # fmt: skip
            self.episodes.append(
                (episode_id, child, episode.id, decision, referral, source, need, closing, reason)
            )

    def _between(self, low: date, high: date) -> date:
        return low + timedelta(days=self.rng.randint(0, max((high - low).days, 0)))

    def copy(self) -> None:
        copy = self.county.copy
        copy(
            CinEpisode,
            ["id", "child_id", "case_id", "decision_id", "referral_date", "referral_source", "primary_need",
             "closure_date", "closure_reason"],
            self.episodes,
        )  # fmt: skip
        copy(
            ChildAssessment,
            ["id", "episode_id", "started_on", "authorised_on", "authorised_by_id", "factors"],
            self.assessments,
        )
        copy(CinPlanPeriod, ["id", "episode_id", "started_on", "ended_on"], self.cin_plans)
        copy(
            Section47,
            ["id", "episode_id", "started_on", "icpc_target", "outcome", "outcome_on", "icpc_date"],
            self.s47s,
        )
        copy(
            CpPlan,
            ["id", "episode_id", "section47_id", "started_on", "ended_on", "initial_category", "latest_category",
             "previous_plans"],
            self.cp_plans,
        )  # fmt: skip
        copy(CpCategoryChange, ["cp_plan_id", "from_category", "to_category", "on", "at", "by_id"],
             self.category_changes)  # fmt: skip
        copy(CpReview, ["cp_plan_id", "held_on"], self.cp_reviews)
        for model, next_id in self.ids.items():
            self.county.ids[model._meta.db_table] = next_id
        self.county._say(
            f"  {len(self.episodes)} CIN episodes ({sum(1 for e in self.episodes if e[7] is None)} open), "
            f"{len(self.s47s)} section 47 enquiries, {len(self.cp_plans)} child protection plans"
        )


class County:
    """Build the county. `run()` writes everything on Django's connection, in one transaction
    the caller holds."""

    def __init__(self, *, scale: float, seed: int, organisation, stdout):
        self.scale = scale
        self.rng = random.Random(seed)
        self.seed = seed
        self.agencies, self.teams, self.users = organisation
        self.out = stdout
        self.timings: dict[str, float] = {}
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.today = self.now.date()
        self.start = self.now - timedelta(days=365 * YEARS)
        self.ids: dict[str, int] = {}
        self.la = self.agencies["Continuum demo council children's services"]

    # --- ids, time, names --------------------------------------------------------------------

    def _next_id(self, model, count: int = 1) -> int:
        table = model._meta.db_table
        if table not in self.ids:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
                self.ids[table] = cursor.fetchone()[0] + 1
        first = self.ids[table]
        self.ids[table] += count
        return first

    def _sequences_follow(self) -> None:
        with connection.cursor() as cursor:
            for table in self.ids:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'GREATEST((SELECT COALESCE(MAX(id), 0) FROM "{table}"), 1))'
                )

    def _between(self, low: datetime, high: datetime) -> datetime:
        span = max((high - low).total_seconds(), 0)
        return low + timedelta(seconds=int(self.rng.random() * span))

    def _office_hours(self, moment: datetime) -> datetime:
        return moment.replace(hour=self.rng.randint(8, 17), minute=self.rng.randint(0, 59), second=0)

    def _name_pools(self) -> None:
        fake = Faker("en_GB")
        fake.seed_instance(self.seed)
        self.female = sorted({fake.first_name_female() for _ in range(3000)})
        self.male = sorted({fake.first_name_male() for _ in range(3000)})
        self.surnames = sorted({fake.last_name() for _ in range(6000)})
        self.streets = sorted({fake.street_name() for _ in range(2000)})
        self.towns = sorted({fake.city() for _ in range(60)})
        from cases.services import postcode_normalise

        postcodes = set()
        for _ in range(3000):
            try:
                postcodes.add(postcode_normalise(fake.postcode()))
            except Exception:  # noqa: S112 - an odd Faker postcode: draw another
                continue
        self.postcodes = sorted(postcodes)

    def _say(self, message: str) -> None:
        self.out.write(message)

    def _timed(self, label: str, started: float) -> None:
        self.timings[label] = self.timings.get(label, 0.0) + time.monotonic() - started

    # --- the whole load ----------------------------------------------------------------------

    def run(self) -> dict[str, float]:
        started = time.monotonic()
        self._name_pools()
        self._timed("(name pools)", started)
        started = time.monotonic()
        self.staff = self._staff()
        self._timed("accounts_user (staff)", started)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            raw.execute("SET LOCAL session_replication_role = replica")
            raw.execute("SET LOCAL work_mem = '256MB'")
            raw.execute("SET LOCAL maintenance_work_mem = '1GB'")
            raw.execute("SET LOCAL synchronous_commit = off")
            self.copy = Copier(raw, self.timings)
            self.cursor = raw
            self._chain_functions()
            for step in (
                self._people_and_families,
                self._cases,
                self._contacts,
                self._chronology,
                self._conversations,
                self._access_log,
            ):
                began = time.monotonic()
                step()
                self._timed(f"(step {step.__name__.strip('_')})", began)
            self._sequences_follow()
            for model in (ChronologyEntry, AccessLogEntry):  # loaded with the chain trigger off
                chain_head_follow(self.cursor, model._meta.db_table)
            # Triggers and foreign keys back on for the rest of the caller's transaction.
            raw.execute("SET LOCAL session_replication_role = origin")
        return self.timings

    def _sql(self, label: str, sql: str, params=None) -> int:
        started = time.monotonic()
        self.cursor.execute(sql, params)
        rows = self.cursor.rowcount
        self._timed(label, started)
        return rows

    # --- staff: teams sized to hold ~300 open cases, workers ~20 each ---------------------------

    def _staff(self) -> Staff:
        open_12 = sum(_scaled(OPEN_AT[p], self.scale, 0) for p in (1, 2))
        open_34 = sum(_scaled(OPEN_AT[p], self.scale, 0) for p in (3, 4))
        team_count = max(2, round((open_12 + open_34) / TEAM_LOAD))
        u = self.users
        north, south = self.teams["Family Help Team North"], self.teams["Family Help Team South"]
        teams = [north, south]
        managers = {north.pk: u["team.manager"], south.pk: u["team.manager"]}
        fh = {north.pk: [u["fh.worker"]], south.pk: [u["fh.worker.south"]]}
        sw = {
            north.pk: [u["social.worker"], u["social.worker.2"], u["social.worker.3"], u["social.worker.4"]],
            south.pk: [u["social.worker.south"], u["social.worker.south.2"], u["social.worker.south.3"]],
        }
        number = 0

        def person(role: str, team: Team, title: str, manager: User | None = None) -> User:
            nonlocal number
            number += 1
            sex = self.rng.random() < 0.75
            return user_create(
                username=f"county.{role.split('_')[0]}.{number:04d}",
                password=None,
                first_name=self.rng.choice(self.female if sex else self.male),
                last_name=self.rng.choice(self.surnames),
                agency=self.la,
                roles=[role],
                teams=[team],
                job_title=title,
                line_manager=manager,
                email=f"county.{number:04d}@demo.invalid",
            )

        for index in range(2, team_count):
            team = Team.objects.create(
                name=f"Family Help Team {index + 1:02d}", agency=self.la, kind=TeamKind.FAMILY_HELP
            )
            manager = person(Role.TEAM_MANAGER, team, "Team manager")
            team.manager = manager
            team.save(update_fields=["manager"])
            teams.append(team)
            managers[team.pk] = manager
            fh[team.pk], sw[team.pk] = [], []
        for team in teams:
            want_fh = max(1, math.ceil(open_12 / team_count / CASELOAD))
            want_sw = max(1, math.ceil(open_34 / team_count / CASELOAD))
            while len(fh[team.pk]) < want_fh:
                fh[team.pk].append(
                    person(Role.FAMILY_HELP_WORKER, team, "Family support worker", managers[team.pk])
                )
            while len(sw[team.pk]) < want_sw:
                sw[team.pk].append(person(Role.SOCIAL_WORKER, team, "Social worker", managers[team.pk]))
        cp_team = self.teams["Expert Child Protection Practitioners"]
        ecpps = [u["ecpp"]]
        while len(ecpps) < max(1, math.ceil(_scaled(OPEN_AT[4], self.scale, 0) / CASELOAD)):
            ecpps.append(person(Role.ECPP, cp_team, "Expert CP practitioner"))
        mash = [u["mash.manager"]]
        while len(mash) < max(1, round(8 * self.scale)):
            mash.append(person(Role.MASH_MANAGER, self.teams["MASH"], "MASH manager"))
        everyone = list(User.objects.filter(is_active=True, agency__isnull=False))
        return Staff(teams, fh, sw, managers, mash, ecpps, everyone)

    # --- the chain: the access log's and chronology's hash chain, computed set-based ------------

    def _chain_functions(self) -> None:
        """A running aggregate that chains rows exactly as config.models.HashChain's trigger does
        (row_hash = sha256(previous row_hash + the row's digest)); the trigger itself is off for
        the load (session_replication_role = replica), and chain_seq is given in order."""
        self.cursor.execute(
            "CREATE OR REPLACE FUNCTION pg_temp.seed_chain_step(state text, digest text, seed text) RETURNS text "
            "LANGUAGE sql IMMUTABLE AS $$ SELECT encode(sha256(convert_to("
            "COALESCE(state, seed, '') || digest, 'UTF8')), 'hex') $$"
        )
        self.cursor.execute(
            "CREATE OR REPLACE AGGREGATE pg_temp.seed_chain(text, text) (SFUNC = pg_temp.seed_chain_step, STYPE = text)"
        )

    def _chained_insert(self, model, fields, source: str, label: str, chunk: int = 500_000) -> None:
        """Insert `source` (a table with the model's chained columns and `id`) into the model's
        table, chaining rows in id order, a chunk at a time."""
        table = model._meta.db_table
        columns = [model._meta.get_field(name).column for name in fields]
        self.cursor.execute(f'SELECT COALESCE(MAX(chain_seq), 0) FROM "{table}"')
        seq = self.cursor.fetchone()[0]
        self.cursor.execute(f'SELECT MIN(id), MAX(id) FROM "{source}"')
        low, high = self.cursor.fetchone()
        if low is None:
            return
        digest = chain_digest_sql(model, tuple(fields), "s")
        quoted = ", ".join(f'"{column}"' for column in columns)
        selected = ", ".join(f's."{column}"' for column in columns)
        with self._indexes_deferred(table, label):
            for first in range(low, high + 1, chunk):
                self.cursor.execute(
                    f'SELECT row_hash FROM "{table}" WHERE chain_seq = %s',
                    [seq],
                )
                found = self.cursor.fetchone()
                previous = found[0] if found else None
                self._sql(
                    label,
                    f'INSERT INTO "{table}" ({quoted}, chain_seq, row_hash) '
                    f"SELECT {selected}, %s + row_number() OVER w, pg_temp.seed_chain({digest}, %s) OVER w "
                    f'FROM "{source}" s WHERE s.id BETWEEN %s AND %s '
                    "WINDOW w AS (ORDER BY s.id ROWS UNBOUNDED PRECEDING)",
                    [seq, previous, first, first + chunk - 1],
                )
                seq += self.cursor.rowcount

    def _indexes_deferred(self, table: str, label: str):
        """Drop a big table's plain indexes for the load and build them again after (the same
        definitions, so the schema is as the migrations left it)."""
        county = self

        class Deferred:
            def __enter__(self):
                county.cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                    [table, table],
                )
                self.indexes = county.cursor.fetchall()
                for name, _ in self.indexes:
                    county.cursor.execute(f'DROP INDEX "{name}"')

            def __exit__(self, *exc):
                started = time.monotonic()
                for _, definition in self.indexes:
                    # A partitioned table's index is listed as made ON ONLY the parent (each
                    # partition's then attached); made again it must reach every partition.
                    county.cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
                county._timed(f"{table} (indexes)", started)
                return False

        return Deferred()

    # --- people, families, relationships, addresses ------------------------------------------------

    def _people_and_families(self) -> None:
        rng = self.rng
        by = self.users["mash.manager"].pk
        family_count = _scaled(FAMILIES, self.scale, 20)
        nhs = _nhs_numbers()
        upns: set[str] = set()
        from demo.management.commands.seed_demo import Command as Demo

        people, members, relationships, addresses, families = [], [], [], [], []
        self.family_children: dict[int, list[int]] = {}
        self.family_adults: dict[int, list[int]] = {}
        self.family_names: dict[int, str] = {}
        self.family_address: dict[int, tuple[str, str]] = {}
        self.family_weight: dict[int, float] = {}
        self.person_name: dict[int, tuple[str, str, date | None]] = {}
        first_family = self._next_id(Family, family_count)
        person_id = self._next_id(Person, 0)
        address_id = self._next_id(Address, 0)
        member_id = self._next_id(FamilyMember, 0)
        relationship_id = self._next_id(Relationship, 0)
        for family in range(first_family, first_family + family_count):
            last = rng.choice(self.surnames)
            # When the family first came to notice: the children were born before it.
            # (more of them long known: a county's families come back over the years)
            known = self.start + (self.now - timedelta(days=2) - self.start) * rng.random() ** 1.6
            created = known - timedelta(days=rng.randint(0, 30))
            self.family_names[family] = f"{last} family"
            self.family_weight[family] = min(rng.lognormvariate(0, 1.0), 8.0)
            families.append((family, f"{last} family", created, by))
            street = f"{rng.randint(1, 220)} {rng.choice(self.streets)}"
            postcode = rng.choice(self.postcodes)
            town = rng.choice(self.towns)
            self.family_address[family] = (street, postcode)
            kids, adults = [], []
            eldest_born = None
            for _ in range(_pick(rng, CHILDREN)):
                born = (known - timedelta(days=rng.randint(30, 16 * 365))).date()
                eldest_born = min(eldest_born or born, born)
                sex = rng.choice((Sex.FEMALE, Sex.MALE))
                first = rng.choice(self.female if sex == Sex.FEMALE else self.male)
                age = (self.today - born).days // 365
                kind = PersonKind.CHILD if age < 18 else PersonKind.ADULT
                upn = ""
                if kind == PersonKind.CHILD and age >= 5 and rng.random() < 0.8:
                    upn = Demo._upn(rng)
                    while upn in upns:
                        upn = Demo._upn(rng)
                    upns.add(upn)
                people.append(
                    (person_id, kind, first, last, born, None, sex, rng.choice(ETHNICITIES), next(nhs), upn,
                     created, by)
                )  # fmt: skip
                self.person_name[person_id] = (first, last, born)
                kids.append((person_id, born))
                person_id += 1
            for number in range(_pick(rng, ADULTS)):
                sex = (
                    Sex.FEMALE if number == 0 and rng.random() < 0.85 else rng.choice((Sex.FEMALE, Sex.MALE))
                )
                born = eldest_born - timedelta(days=rng.randint(18 * 365, 40 * 365))
                first = rng.choice(self.female if sex == Sex.FEMALE else self.male)
                surname = last if number == 0 or rng.random() < 0.5 else rng.choice(self.surnames)
                people.append(
                    (person_id, PersonKind.ADULT, first, surname, born, None, sex, rng.choice(ETHNICITIES),
                     next(nhs) if rng.random() < 0.8 else "", "", created, by)
                )  # fmt: skip
                self.person_name[person_id] = (first, surname, born)
                adults.append((person_id, born, sex))
                person_id += 1
            self.family_children[family] = [pid for pid, _ in kids]
            self.family_adults[family] = [pid for pid, _, _ in adults]
            for pid, _ in kids:
                members.append((member_id, family, pid, FamilyRole.CHILD, True, created.date(), None))
                member_id += 1
            for pid, _, _ in adults:
                members.append((member_id, family, pid, FamilyRole.PARENT_CARER, True, created.date(), None))
                member_id += 1
            for adult, _, sex in adults:
                for kid, _ in kids:
                    kind = RelationshipKind.MOTHER if sex == Sex.FEMALE else RelationshipKind.FATHER
                    relationships.append((relationship_id, family, adult, kid, kind, True))
                    relationship_id += 1
            for index, (kid, _) in enumerate(kids):
                for other, _ in kids[index + 1 :]:
                    relationships.append(
                        (relationship_id, family, kid, other, RelationshipKind.SIBLING, False)
                    )
                    relationship_id += 1
            # Address history: where they live now, and for some where they lived before.
            moved_in = self._between(known - timedelta(days=900), self.now - timedelta(days=1)).date()
            before = moved_in > (known.date() + timedelta(days=30)) and rng.random() < 0.5
            old_street = f"{rng.randint(1, 220)} {rng.choice(self.streets)}"
            old_postcode = rng.choice(self.postcodes)
            for pid, born in [(pid, born) for pid, born in kids] + [(pid, born) for pid, born, _ in adults]:
                current_in = max(moved_in, born)
                addresses.append((address_id, pid, street, "", town, postcode, current_in, None, created))
                address_id += 1
                if before and born < current_in:
                    addresses.append(
                        (address_id, pid, old_street, "", town, old_postcode, max(born, known.date() - timedelta(days=400)),
                         current_in, created)
                    )  # fmt: skip
                    address_id += 1
        # Unborn babies in a few families (their expected dates are in the coming months).
        unborn = []
        for family in rng.sample(sorted(self.family_children), k=max(1, family_count // 100)):
            people.append(
                (person_id, PersonKind.UNBORN, "", self.family_names[family].removesuffix(" family"), None,
                 self.today + timedelta(days=rng.randint(20, 200)), Sex.UNKNOWN, "NOBT", "", "", self.now, by)
            )  # fmt: skip
            members.append((member_id, family, person_id, FamilyRole.CHILD, True, self.today, None))
            unborn.append(person_id)
            member_id += 1
            person_id += 1
        self.ids[Person._meta.db_table] = person_id
        self.ids[Address._meta.db_table] = address_id
        self.ids[FamilyMember._meta.db_table] = member_id
        self.ids[Relationship._meta.db_table] = relationship_id
        self.family_count = family_count
        self.copy(Family, ["id", "name", "created_at", "created_by_id"], families)
        self.copy(
            Person,
            ["id", "kind", "first_name", "last_name", "date_of_birth", "expected_date_of_birth", "sex",
             "ethnicity", "nhs_number", "upn", "created_at", "created_by_id"],
            people,
        )  # fmt: skip
        self.copy(
            FamilyMember,
            ["id", "family_id", "person_id", "role", "lives_in_household", "joined_on", "left_on"],
            members,
        )
        self.copy(
            Relationship,
            ["id", "family_id", "person_id", "relative_id", "kind", "has_parental_responsibility"],
            relationships,
        )
        self.copy(
            Address,
            [
                "id",
                "person_id",
                "line_1",
                "line_2",
                "town",
                "postcode",
                "moved_in",
                "moved_out",
                "recorded_at",
            ],
            addresses,
        )
        self.family_created = {row[0]: row[2] for row in families}
        self._say(f"  {family_count} families, {len(people)} people, {len(addresses)} addresses")

    # --- case episodes: pathways, decisions, allocations, plans, clocks ---------------------------

    def _episode_plan(self) -> list[tuple[int, list[tuple[datetime, datetime | None, int]]]]:
        """For each family, its episodes: (opened, closed or None, highest or current pathway)."""
        rng = self.rng
        families = sorted(self.family_children)
        counts = {family: rng.choices(range(len(EPISODES)), EPISODES)[0] for family in families}
        # Who has an open case now, at which pathway.
        open_at: dict[int, int] = {}
        pool = [family for family in families if counts[family] > 0]
        rng.shuffle(pool)
        for pathway in (4, 3, 2, 1):
            for _ in range(_scaled(OPEN_AT[pathway], self.scale)):
                if pool:
                    open_at[pool.pop()] = pathway
        plan = []
        for family in families:
            episodes = []
            end = self.now
            first_possible = self.family_created[family]
            if family in open_at:
                pathway = open_at[family]
                low, high = OPEN_AGE_DAYS[pathway]
                opened = max(self.now - timedelta(days=rng.randint(low, high)), first_possible)
                episodes.append((opened, None, pathway))
                end = opened - timedelta(days=rng.randint(20, 400))
            else:
                end = self._between(first_possible + timedelta(days=30), self.now - timedelta(days=3))
            for _ in range(counts[family] - len(episodes)):
                highest = _pick(rng, CLOSED_MAX)
                low, high = EPISODE_DAYS[highest]
                opened = end - timedelta(days=rng.randint(low, high))
                if opened < first_possible:
                    break
                episodes.append((opened, end, highest))
                end = opened - timedelta(days=rng.randint(30, 600))
            if episodes:
                plan.append((family, sorted(episodes, key=lambda e: e[0])))
        return plan

    @staticmethod
    def _path(rng, highest: int, is_open: bool) -> list[int]:
        """The pathways an episode went through, starting at 1 (where triage opens a case)."""
        if highest == 1:
            return [1]
        if highest == 2:
            return [1, 2]
        if highest == 3:
            return rng.choice([[1, 3], [1, 3], [1, 2, 3], [1, 4, 3] if is_open else [1, 2, 3]])
        return rng.choice([[1, 4], [1, 4], [1, 3, 4], [1, 2, 3, 4]])

    def _cases(self) -> None:
        rng = self.rng
        staff = self.staff
        mash = staff.mash
        case_ct = ContentType.objects.get_for_model(Case).pk
        plan_ct = ContentType.objects.get_for_model(Plan).pk
        view_case = Permission.objects.get(codename="view_case", content_type__app_label="cases").pk
        agency_of = {user.pk: user.agency_id for user in staff.everyone}
        cases, allocations, decisions, transitions, plans, plan_changes = [], [], [], [], [], []
        clocks, clock_events, perms, assessments, chron = [], [], [], [], []
        consents, step_downs, step_down_events = [], [], []
        self.episodes: list[Episode] = []
        self.triage_decisions: list[tuple] = []
        self.assessment_of: dict[int, int] = {}
        self.decision_codes: dict[int, tuple[str, str]] = {}
        records = ChildRecords(self, chron, agency_of)
        case_id = self._next_id(Case, 0)
        decision_id = self._next_id(Decision, 0)
        allocation_id = self._next_id(Allocation, 0)
        plan_id = self._next_id(Plan, 0)
        clock_id = self._next_id(Clock, 0)
        assessment_id = self._next_id(Assessment, 0)
        consent_id = self._next_id(Consent, 0)
        step_down_id = self._next_id(StepDown, 0)
        family_team = {family: rng.choice(staff.teams).pk for family in self.family_children}
        turn: dict[tuple, int] = {}

        def next_worker(pool_key, pool):
            """Round robin, so that each worker's load is even and the demo logins (first in each
            pool) hold cases at every scale."""
            index = turn.get(pool_key, 0)
            turn[pool_key] = index + 1
            return pool[index % len(pool)]

        def note(family, case, kind, summary, author, at, detail=""):
            chron.append((family, case, None, kind, at, summary[:300], detail, author, agency_of.get(author)))

        def clock(target_ct, target, kind, holder, team, family, pathway, started, due):
            nonlocal clock_id
            due = max(due, started)
            state, breached = ClockState.RUNNING, None
            if due < self.now:
                state, breached = ClockState.BREACHED, due
            clocks.append(
                (
                    clock_id,
                    target_ct,
                    target,
                    kind,
                    state,
                    holder,
                    team,
                    family,
                    pathway,
                    started,
                    due,
                    breached,
                )
            )
            clock_events.append((f"Started: due {due:%d %b %Y %H:%M}", started, None, clock_id, ""))
            if breached:
                clock_events.append(("Breached", breached, None, clock_id, ""))
            clock_id += 1

        def decide(case, family, outcome, from_pathway, at, team, key_worker, closing_reason=""):
            """A recorded decision by someone entitled to make it at its level; pathway 4 is
            proposed (by the front door or the key worker) and confirmed by an ECPP."""
            nonlocal decision_id
            target = {"pathway_1": 1, "pathway_2": 2, "pathway_3": 3, "pathway_4": 4}.get(outcome)
            level = max(from_pathway, target) if target else from_pathway
            ecpp = None
            if level == 4:
                ecpp = rng.choice(staff.ecpps).pk
                proposer = key_worker or mash[0].pk
                decider = ecpp
                decided = at + timedelta(hours=rng.randint(1, 6))
            else:
                proposer = decider = (
                    rng.choice(mash).pk
                    if from_pathway == 1 and key_worker is None
                    else staff.managers[team].pk
                )
                decided = at
            rationale = RATIONALES[min(level - 1, 3)] if target else RATIONALES[4]
            needs_codes = target is not None and target >= 3
            source = rng.choice(ReferralSource.values) if needs_codes else ""
            need = rng.choice(PrimaryNeed.values[1:]) if needs_codes else ""
            self.decision_codes[decision_id] = (source, need)
            decisions.append(
                (decision_id, case, self.assessment_of[family], outcome, from_pathway, DecisionState.RECORDED,
                 rationale, closing_reason, outcome in ("pathway_3", "pathway_4") or rng.random() < 0.5,
                 "Children Act 1989 s47: risk of significant harm." if level == 4 else "", ecpp, proposer, at,
                 decider, decided, source, need)
            )  # fmt: skip
            if level == 4:
                note(
                    family,
                    case,
                    ChronologyKind.DECISION_PROPOSED,
                    f"Proposed: {Outcome(outcome).label}",
                    proposer,
                    at,
                )
            note(
                family, case, ChronologyKind.DECISION_RECORDED, f"Decision: {Outcome(outcome).label}", decider,
                decided, rationale,
            )  # fmt: skip
            decision_id += 1
            return decision_id - 1, decider, decided, ecpp

        for family, episodes in self._episode_plan():
            team = family_team[family]
            assessments.append((assessment_id, family, episodes[0][0]))
            self.assessment_of[family] = assessment_id
            assessment_id += 1
            for opened, closed, highest in episodes:
                is_open = closed is None
                end = closed or self.now
                path = self._path(rng, highest, is_open)
                opened = self._office_hours(opened)
                if closed:
                    closed = max(self._office_hours(closed), opened + timedelta(days=3))
                    end = closed
                triager = rng.choice(mash).pk
                note(
                    family, case_id, ChronologyKind.CASE_OPENED,
                    f"Case C{case_id:06d} opened at pathway 1. Advice and information", triager, opened,
                )  # fmt: skip
                # Moments of the later moves, spread over the episode; an open case at 4 came
                # there lately or long ago.
                span = (end - opened).total_seconds()
                moves = sorted(opened + timedelta(seconds=span * rng.uniform(0.05, 0.8)) for _ in path[2:])
                key_worker, key_role_qualified, ecpp_holder, allocation_open = None, False, None, {}

                def allocate(
                    user, role, at, by, family=family, case=case_id, allocation_open=allocation_open
                ):
                    nonlocal allocation_id
                    replaced = allocation_open.pop(role, None)
                    if replaced:
                        allocations[replaced[0]] = (
                            *allocations[replaced[0]][:5],
                            at,
                            allocations[replaced[0]][6],
                        )
                    allocation_open[role] = (len(allocations), user)
                    allocations.append((allocation_id, case, user, role, at, None, by))
                    perms.append((view_case, case, user))
                    note(
                        family,
                        case,
                        ChronologyKind.CASE_ALLOCATED,
                        f"Allocated as {AllocationRole(role).label.lower()}",
                        by,
                        at,
                    )
                    allocation_id += 1

                # The triage decision: the case opens at 1 and goes where the front door decides.
                first_target = path[1] if len(path) > 1 else 1
                decision, decider, at, ecpp = decide(
                    case_id, family, f"pathway_{first_target}", 1, opened + timedelta(minutes=5), team, None
                )
                self.triage_decisions.append((family, case_id, decision, opened, triager, first_target))
                current, entered = 1, opened
                plan_kind, plan_start, plan_history = "", None, []
                steps = [(first_target, at, decision, decider, ecpp)]
                for target, moment in zip(path[2:], moves, strict=True):
                    by_key = key_worker
                    decision, decider, at, ecpp = decide(
                        case_id, family, f"pathway_{target}", steps[-1][0], moment, team, by_key
                    )
                    steps.append((target, at, decision, decider, ecpp))
                for target, at, decision, decider, ecpp in steps:
                    if target != current:
                        transitions.append((case_id, current, target, decision, at, decider))
                        note(
                            family, case_id, ChronologyKind.PATHWAY_CHANGED, f"Pathway {current} → {target}",
                            decider, at,
                        )  # fmt: skip
                        current, entered = target, at
                    # Allocation: a family help worker up to 2, a social worker from 3.
                    allocated_at = at + timedelta(hours=rng.randint(1, 48))
                    needs_qualified = current >= 3
                    if key_worker is None or (needs_qualified and not key_role_qualified):
                        pool_key = (team, "sw" if needs_qualified else "fh", is_open)
                        pool = (staff.social_workers if needs_qualified else staff.fh_workers)[team]
                        worker = next_worker(pool_key, pool) if is_open else rng.choice(pool)
                        # At 4 the key worker is qualified before the ECPP joins.
                        allocate(worker.pk, AllocationRole.KEY_WORKER, allocated_at if current < 4 else at,
                                 staff.managers[team].pk)  # fmt: skip
                        key_worker, key_role_qualified = worker.pk, needs_qualified
                    if current == 4 and ecpp_holder is None:
                        ecpp_holder = ecpp or rng.choice(staff.ecpps).pk
                        allocate(ecpp_holder, AllocationRole.ECPP, at, decider)
                    if current >= 2:
                        wanted = PATHWAY_PLAN[current]
                        if plan_start is None:
                            start = at + timedelta(days=rng.randint(3, 14))
                            if start < end:
                                plan_start, plan_kind = start, wanted
                                plan_history.append(("", wanted, None, start, key_worker))
                        elif wanted != plan_kind:
                            plan_history.append((plan_kind, wanted, decision, at, decider))
                            plan_kind = wanted
                # Pathway 4 some weeks on: the ICPC decided on a child protection plan.
                icpc_held = current == 4 and (self.now if is_open else end) - entered > timedelta(days=21)
                held_on = None
                if icpc_held and plan_kind == PlanKind.CHILD_IN_NEED:
                    # Most conferences within the 15 working days of the strategy discussion, a
                    # few late; never on a weekend, never after the episode ended.
                    s47_on = timezone.localdate(entered)
                    days = rng.randint(10, 15) if rng.random() < 0.9 else rng.randint(16, 22)
                    held_on = working_days_after(s47_on, days)
                    if held_on >= timezone.localdate(end):
                        held_on = working_days_after(s47_on, 5)
                    held = datetime.combine(held_on, datetime.min.time(), tzinfo=UTC).replace(hour=11)
                    plan_history.append((plan_kind, PlanKind.CHILD_PROTECTION, None, held, ecpp_holder))
                    plan_kind = PlanKind.CHILD_PROTECTION
                episode = Episode(
                    case_id, family, team, opened, closed, current, key_worker, ecpp_holder, entered,
                    plan_kind=plan_kind,
                )  # fmt: skip
                closure = ""
                if closed:
                    step_down = current == 3 and rng.random() < STEP_DOWN_SHARE
                    outcome = Outcome.EARLY_HELP if step_down else Outcome.CLOSE
                    closure = (
                        ClosureReason.RC9 if step_down else rng.choice([ClosureReason.RC7, ClosureReason.RC8])
                    )
                    at = closed - timedelta(minutes=30)
                    if step_down:
                        self._step_down(
                            consents, step_downs, step_down_events, chron, consent_id, step_down_id, family,
                            case_id, decision_id, key_worker, staff.managers[team].pk, at, agency_of,
                        )  # fmt: skip
                        consent_id += 1
                        step_down_id += 1
                    decision, decider, decided, _ = decide(
                        case_id, family, outcome, current, at, team, key_worker, closure
                    )
                    transitions.append((case_id, current, None, decision, decided, decider))
                    closed = max(closed, decided)
                    episode.closed = closed
                    for index, _ in allocation_open.values():
                        row = allocations[index]
                        allocations[index] = (*row[:5], closed, row[6])
                    note(
                        family, case_id, ChronologyKind.CASE_CLOSED,
                        f"Case C{case_id:06d} closed: {ClosureReason(closure).label}", decider, closed,
                    )  # fmt: skip
                if plan_start is not None:
                    episode.plan = plan_id
                    kind_first = plan_history[0][1]
                    next_review = None
                    if is_open:
                        first, every = PLAN_REVIEW_DAYS[plan_kind]
                        next_review = plan_start.date() + timedelta(days=first)
                        while next_review < self.today - timedelta(days=rng.choice([0] * 19 + [30])):
                            next_review += timedelta(days=every)
                        episode.next_review = next_review
                    plans.append(
                        (plan_id, case_id, plan_kind or kind_first, plan_start.date(),
                         closed.date() if closed else None, next_review, len(plan_history))
                    )  # fmt: skip
                    for from_kind, to_kind, decision, at, by in plan_history:
                        summary = (
                            f"{PlanKind(to_kind).label} started"
                            if not from_kind
                            else f"Re-typed: {PlanKind(from_kind).label} → {PlanKind(to_kind).label}"
                        )
                        plan_changes.append(
                            (summary, at, by or key_worker, plan_id, from_kind, to_kind, decision)
                        )
                        note(family, case_id, ChronologyKind.PLAN_CHANGED, summary, by or key_worker, at)
                    if closed:
                        plan_changes.append(
                            ("Plan ended with the case", closed, key_worker, plan_id, plan_kind, "", None)
                        )
                    plan_id += 1
                records.add(
                    episode, steps, plan_history, held_on, closure, staff.managers[team].pk, is_open=is_open
                )
                cases.append(
                    (case_id, family, CaseState.CLOSED if closed else CaseState.OPEN, current, team, key_worker,
                     ecpp_holder, opened, triager, closed, closure, 1 + 2 * len(steps) + (1 if closed else 0))
                )  # fmt: skip
                if is_open:
                    self._open_clocks(episode, clock, case_ct, plan_ct)
                self.episodes.append(episode)
                case_id += 1
        self.ids[Case._meta.db_table] = case_id
        self.ids[Decision._meta.db_table] = decision_id
        self.ids[Allocation._meta.db_table] = allocation_id
        self.ids[Plan._meta.db_table] = plan_id
        self.ids[Clock._meta.db_table] = clock_id
        self.ids[Assessment._meta.db_table] = assessment_id
        self.ids[Consent._meta.db_table] = consent_id
        self.ids[StepDown._meta.db_table] = step_down_id
        self.copy(Assessment, ["id", "family_id", "started_at"], assessments)
        self.copy(
            Case,
            ["id", "family_id", "state", "pathway", "team_id", "key_worker_id", "ecpp_id", "opened_at",
             "opened_by_id", "closed_at", "closure_reason", "version"],
            cases,
        )  # fmt: skip
        self.copy(
            Decision,
            ["id", "case_id", "assessment_id", "outcome", "from_pathway", "state", "rationale", "closure_reason",
             "family_consents_to_share", "lawful_basis", "ecpp_id", "proposed_by_id", "proposed_at",
             "decided_by_id", "decided_at", "referral_source", "primary_need"],
            decisions,
        )  # fmt: skip
        self.copy(
            PathwayTransition,
            ["case_id", "from_pathway", "to_pathway", "decision_id", "at", "by_id"],
            transitions,
        )
        self.copy(
            Allocation,
            ["id", "case_id", "user_id", "role", "started_at", "ended_at", "allocated_by_id"],
            allocations,
        )
        self.copy(CaseUserObjectPermission, ["permission_id", "content_object_id", "user_id"], set(perms))
        self.copy(
            Plan, ["id", "case_id", "kind", "started_on", "ended_on", "next_review_due", "version"], plans
        )
        self.copy(
            PlanChange,
            ["summary", "at", "by_id", "plan_id", "from_kind", "to_kind", "decision_id"],
            plan_changes,
        )
        self.copy(
            Clock,
            ["id", "content_type_id", "object_id", "kind", "state", "holder_id", "team_id", "family_id", "pathway",
             "started_at", "due_at", "breached_at"],
            clocks,
        )  # fmt: skip
        self.copy(ClockEvent, ["summary", "at", "by_id", "clock_id", "detail"], clock_events)
        self.copy(
            Consent,
            ["id", "family_id", "given_by_id", "capacity", "early_help", "method", "recorded_where", "given_on",
             "recorded_by_id", "recorded_at"],
            consents,
        )  # fmt: skip
        self.copy(
            StepDown,
            ["id", "route", "state", "family_id", "case_id", "rationale", "needs", "consent_id", "receiving_team_id",
             "proposed_by_id", "proposed_at", "approved_by_id", "approved_at", "decision_id", "completed_at"],
            step_downs,
        )  # fmt: skip
        self.copy(
            StepDownEvent, ["summary", "at", "by_id", "step_down_id", "state", "detail"], step_down_events
        )
        records.copy()
        self.system_chronology = chron
        self._say(
            f"  {len(cases)} case episodes ({sum(1 for c in cases if c[2] == 'open')} open), {len(decisions)} decisions, "
            f"{len(clocks)} open clocks"
        )

    def _step_down(
        self, consents, step_downs, events, chron, consent_id, step_down_id, family, case, decision, proposer,
        manager, at, agency_of,
    ) -> None:  # fmt: skip
        """A pathway-3 episode that ends in early help (route (e)): the parent's consent, the key
        worker's proposal, the team manager's approval, completed with the decision that closes it."""
        parent = self.family_adults[family][0]
        given = at - timedelta(days=self.rng.randint(3, 10))
        hub = self.teams["Early Help Hub"].pk
        consents.append(
            (consent_id, family, parent, ConsentCapacity.PARENT, True, ConsentMethod.WRITTEN,
             "Signed form on file", given.date(), proposer, given)
        )  # fmt: skip
        proposed = given + timedelta(days=1)
        step_downs.append(
            (step_down_id, Route.CIN_PLAN, StepDownState.COMPLETED, family, case,
             "Needs are met; support continues with a team around the family.", "Routines and school attendance",
             consent_id, hub, proposer, proposed, manager, at, decision, at)
        )  # fmt: skip
        for summary, moment, by, state in (
            ("Proposed", proposed, proposer, StepDownState.PROPOSED),
            ("Approved and completed", at, manager, StepDownState.COMPLETED),
        ):
            events.append((summary, moment, by, step_down_id, state, ""))
        chron.append(
            (family, case, None, ChronologyKind.CONSENT_RECORDED, given, "Consent to step down to early help recorded",
             "", proposer, agency_of.get(proposer))
        )  # fmt: skip
        chron.append(
            (family, case, None, ChronologyKind.STEP_DOWN, at, "Stepped down to early help", "", manager,
             agency_of.get(manager))
        )  # fmt: skip

    def _open_clocks(self, episode: Episode, clock, case_ct: int, plan_ct: int) -> None:
        """The clocks an open case has running now, as the services would have started them."""
        holder, team, family, pathway = episode.key_worker, episode.team, episode.family, episode.pathway
        entered = episode.entered_current
        if pathway == 2 and episode.plan is None:
            clock(case_ct, episode.id, ClockKind.EARLY_HELP_ASSESSMENT, holder, team, family, pathway, entered,
                  due_for(ClockKind.EARLY_HELP_ASSESSMENT, entered))  # fmt: skip
        if pathway == 3 and self.now - entered < timedelta(days=63):
            clock(case_ct, episode.id, ClockKind.ASSESSMENT_PATHWAY_3, holder, team, family, pathway, entered,
                  due_for(ClockKind.ASSESSMENT_PATHWAY_3, entered))  # fmt: skip
        if pathway == 4 and episode.plan_kind != PlanKind.CHILD_PROTECTION:
            due = end_of_working_day(working_days_after(entered.date(), 15))
            clock(case_ct, episode.id, ClockKind.ICPC, episode.ecpp, team, family, pathway, entered, due)
        if episode.plan is not None and episode.next_review is not None:
            kind = (
                ClockKind.CP_REVIEW
                if episode.plan_kind == PlanKind.CHILD_PROTECTION
                else ClockKind.PLAN_REVIEW
            )
            every = PLAN_REVIEW_DAYS[episode.plan_kind][1]
            started = max(
                datetime.combine(
                    episode.next_review - timedelta(days=every), datetime.min.time(), tzinfo=UTC
                ),
                entered,
            )
            clock(plan_ct, episode.plan, kind, holder, team, family, pathway, started,
                  end_of_working_day(episode.next_review))  # fmt: skip

    # --- contacts: every episode began with one; most are advice, signposting or NFA ------------

    def _contacts(self) -> None:
        rng = self.rng
        staff = self.staff
        contact_ct = ContentType.objects.get_for_model(Contact).pk
        mash_team = self.teams["MASH"].pk
        referrers = [agency for name, agency in self.agencies.items() if agency.pk != self.la.pk]
        total = max(_scaled(CONTACTS, self.scale), len(self.triage_decisions))
        contacts, subjects, clocks, clock_events, chron = [], [], [], [], []
        contact_id = self._next_id(Contact, 0)
        clock_id = self._next_id(Clock, 0)
        families = sorted(self.family_children)
        weights = list(accumulate(self.family_weight[family] for family in families))
        queue_since = self.now - timedelta(hours=6)
        feedback_since = self.now - timedelta(hours=72)
        agency_of = {user.pk: user.agency_id for user in staff.everyone}
        methods = FeedbackMethod.values

        def running(kind, started, due):
            nonlocal clock_id
            state, breached = (ClockState.BREACHED, due) if due < self.now else (ClockState.RUNNING, None)
            clocks.append(
                (
                    clock_id,
                    contact_ct,
                    contact_id,
                    kind,
                    state,
                    None,
                    mash_team,
                    None,
                    None,
                    started,
                    due,
                    breached,
                )
            )
            clock_events.append((f"Started: due {due:%d %b %Y %H:%M}", started, None, clock_id, ""))
            clock_id += 1

        def subjects_for(family):
            if family is None:
                last = rng.choice(self.surnames)
                first = rng.choice(self.female + self.male)
                born = self.today - timedelta(days=rng.randint(200, 6000))
                subjects.append((contact_id, SubjectRole.CHILD, first, last, born, None, "", "", None))
                return
            for person in self.family_children[family][:3]:
                first, last, born = self.person_name[person]
                subjects.append((contact_id, SubjectRole.CHILD, first, last, born, None, "", "", person))
            for person in self.family_adults[family][:1]:
                first, last, born = self.person_name[person]
                subjects.append(
                    (contact_id, SubjectRole.ADULT, first, last, born, None, "", "mother", person)
                )

        plans = [
            (family, case, decision, opened, triager, target)
            for family, case, decision, opened, triager, target in self.triage_decisions
        ]
        others = total - len(plans)
        span = (self.now - self.start).total_seconds()
        for _ in range(others):
            # More contacts lately than ten years ago (a county's front door grows busier).
            received = self.start + timedelta(seconds=int(span * math.sqrt(rng.random())))
            family = rng.choices(families, cum_weights=weights)[0] if rng.random() < 0.6 else None
            if family is not None and self.family_created[family] > received:
                family = None
            plans.append((family, None, None, received, rng.choice(staff.mash).pk, None))
        plans.sort(key=lambda plan: plan[3])
        for family, case, decision, moment, triager, target in plans:
            agency = rng.choice(referrers)
            if case is not None:
                received = moment - timedelta(minutes=rng.randint(10, 20 * 60))
                triaged = moment
                outcome = f"pathway_{target}"
            else:
                received = moment
                triaged = (
                    None
                    if received > queue_since
                    else min(received + timedelta(hours=rng.randint(1, 20)), self.now)
                )
                outcome = rng.choice(
                    [TriageOutcome.NFA] * 7 + [TriageOutcome.SIGNPOST] * 6 + [TriageOutcome.EARLY_HELP] * 2
                ) if triaged else ""  # fmt: skip
            street, postcode = self.family_address.get(family, ("", ""))
            sent, sent_by, method = None, None, ""
            if triaged and triaged < feedback_since:
                sent = min(triaged + timedelta(hours=rng.randint(1, 48)), self.now)
                sent_by, method = triager, rng.choice(methods)
            contacts.append(
                (contact_id, contact_reference_format(received=received, pk=contact_id), rng.choice(Channel.values[:3]),
                 ContactState.TRIAGED if triaged else ContactState.RECEIVED,
                 Urgency.URGENT if target == 4 else Urgency.ROUTINE, received,
                 f"{rng.choice(self.female + self.male)} {rng.choice(self.surnames)}", "Designated safeguarding lead",
                 agency.pk, "", "0300 000 0000", None, triager, street, postcode, rng.choice(CONCERNS), "",
                 True, FamilyConsent.YES, "", family, outcome,
                 "Triaged on the information in the request and the family's history." if triaged else "",
                 "", OUTCOME_WORDS.get(outcome, ""), triaged, triager if triaged else None, case, decision, sent,
                 sent_by, method, 3 if triaged else 1)
            )  # fmt: skip
            subjects_for(family)
            if not triaged:
                running(ClockKind.CONTACT_DECISION, received, due_for(ClockKind.CONTACT_DECISION, received))
            if sent is None:
                running(
                    ClockKind.FEEDBACK_TO_REFERRER,
                    received,
                    due_for(ClockKind.FEEDBACK_TO_REFERRER, received),
                )
            if triaged and family is not None:
                chron.append(
                    (family, case, None, ChronologyKind.CONTACT_TRIAGED,
                     triaged, f"Request for support R{received:%y}-{contact_id:06d}: {TriageOutcome(outcome).label}",
                     "", triager, agency_of.get(triager))
                )  # fmt: skip
            contact_id += 1
        self.ids[Contact._meta.db_table] = contact_id
        self.ids[Clock._meta.db_table] = clock_id
        self.copy(
            Contact,
            ["id", "reference", "channel", "state", "urgency", "received_at", "referrer_name", "referrer_role",
             "referrer_agency_id", "referrer_email", "referrer_phone", "submitted_by_id", "recorded_by_id",
             "address_line_1", "postcode", "concerns", "what_tried", "family_aware", "family_consents",
             "consent_notes", "family_id", "outcome", "rationale", "advice", "feedback_text", "triaged_at",
             "triaged_by_id", "case_id", "decision_id", "feedback_sent_at", "feedback_sent_by_id", "feedback_method",
             "version"],
            contacts,
        )  # fmt: skip
        self.copy(
            ContactSubject,
            ["contact_id", "role", "first_name", "last_name", "date_of_birth", "expected_date_of_birth",
             "relationship", "nhs_number", "person_id"],
            subjects,
        )  # fmt: skip
        self.copy(
            Clock,
            ["id", "content_type_id", "object_id", "kind", "state", "holder_id", "team_id", "family_id", "pathway",
             "started_at", "due_at", "breached_at"],
            clocks,
        )  # fmt: skip
        self.copy(ClockEvent, ["summary", "at", "by_id", "clock_id", "detail"], clock_events)
        table = ContactEvent._meta.db_table
        contact_table = Contact._meta.db_table
        self._sql(
            table,
            f'INSERT INTO "{table}" (summary, at, by_id, contact_id, shown_to_referrer) '
            "SELECT 'Received (' || CASE channel WHEN 'phone' THEN 'phone call to the front door' "
            "ELSE 'request' END || ')', received_at, recorded_by_id, id, true "
            f'FROM "{contact_table}" '
            "UNION ALL SELECT 'Triaged: ' || outcome, triaged_at, triaged_by_id, id, false "
            f'FROM "{contact_table}" WHERE triaged_at IS NOT NULL '
            "UNION ALL SELECT 'Outcome letter sent to the referrer', feedback_sent_at, feedback_sent_by_id, id, true "
            f'FROM "{contact_table}" WHERE feedback_sent_at IS NOT NULL',
        )
        self.system_chronology.extend(chron)
        self._say(f"  {len(contacts)} contacts, {len(subjects)} subjects")

    # --- the chronology: the system's entries, then practitioners' notes, skewed by family ---------

    def _chronology(self) -> None:
        rng = self.rng
        self.cursor.execute(
            "CREATE TEMP TABLE seed_chron (tmp bigserial, family_id bigint, case_id bigint, subject_id bigint, "
            "kind varchar(32), occurred_at timestamptz, summary varchar(300), detail text, author_id bigint, "
            "author_agency_id bigint, conversation boolean NOT NULL DEFAULT false) ON COMMIT DROP"
        )
        self.copy(
            "seed_chron",
            ["family_id", "case_id", "subject_id", "kind", "occurred_at", "summary", "detail", "author_id",
             "author_agency_id"],
            self.system_chronology,
        )  # fmt: skip
        self.system_chronology = []
        by = self.users["mash.manager"]
        member, person, family_table = (
            FamilyMember._meta.db_table,
            Person._meta.db_table,
            Family._meta.db_table,
        )
        label = "seed_chron (family records)"
        self._sql(
            label,
            "INSERT INTO seed_chron (family_id, kind, occurred_at, summary, author_id, author_agency_id, subject_id) "
            "SELECT m.family_id, %s, f.created_at, "
            "concat_ws(' ', NULLIF(p.first_name, ''), p.last_name) || ' added to the family record', "
            f'%s, %s, p.id FROM "{member}" m JOIN "{person}" p ON p.id = m.person_id '
            f'JOIN "{family_table}" f ON f.id = m.family_id',
            [ChronologyKind.FAMILY_MEMBER_ADDED, by.pk, by.agency_id],
        )
        self._sql(
            label,
            "INSERT INTO seed_chron (family_id, kind, occurred_at, summary, author_id, author_agency_id) "
            "SELECT r.family_id, %s, f.created_at + interval '10 minutes', 'Relationship recorded: ' || r.kind, "
            f'%s, %s FROM "{Relationship._meta.db_table}" r JOIN "{family_table}" f ON f.id = r.family_id',
            [ChronologyKind.RELATIONSHIP_RECORDED, by.pk, by.agency_id],
        )
        self.cursor.execute("SELECT count(*) FROM seed_chron")
        system = self.cursor.fetchone()[0]
        target = max(_scaled(CHRONOLOGY, self.scale) - system, 0)
        weights = [
            max((e.closed or self.now) - e.opened, timedelta(days=1)).days
            * NOTE_RATE[e.pathway]
            * self.family_weight[e.family]
            for e in self.episodes
        ]
        total = sum(weights) or 1.0
        rows = []
        for episode, weight in zip(self.episodes, weights, strict=True):
            share = weight * target / total
            count = int(share) + (rng.random() < share - int(share))
            if count:
                end = episode.closed or self.now
                rows.append(
                    (episode.id, episode.family, episode.key_worker, episode.opened, end, count,
                     self.family_children[episode.family] or [None])
                )  # fmt: skip
        self.cursor.execute(
            "CREATE TEMP TABLE seed_case (case_id bigint, family_id bigint, author_id bigint, opened timestamptz, "
            "ended timestamptz, notes int, children bigint[]) ON COMMIT DROP"
        )
        self.copy(
            "seed_case", ["case_id", "family_id", "author_id", "opened", "ended", "notes", "children"], rows
        )
        from demo.management.commands.seed_demo import NOTES

        kinds = [kind for kind, _, _ in NOTES]
        conversation_kinds = {ChronologyKind.HOME_VISIT, ChronologyKind.CONVERSATION}
        share = sum(1 for kind in kinds if kind in conversation_kinds) / len(kinds)
        ratio = min(1.0, _scaled(CONVERSATIONS, self.scale) / max(target * share, 1))
        self._sql(
            "seed_chron (notes)",
            "INSERT INTO seed_chron (family_id, case_id, subject_id, kind, occurred_at, summary, detail, author_id, "
            "author_agency_id, conversation) "
            "SELECT family_id, case_id, CASE WHEN random() < 0.5 THEN children[1 + (n %% cardinality(children))] END, "
            "(%(kinds)s::text[])[k], occurred, (%(summaries)s::text[])[k], (%(details)s::text[])[k], author_id, "
            "%(agency)s, (%(kinds)s::text[])[k] = ANY(%(conversation)s::text[]) AND random() < %(ratio)s "
            "FROM (SELECT c.*, n, 1 + ((n * 7 + c.case_id) %% %(count)s)::int AS k, "
            "c.opened + (c.ended - c.opened) * random() AS occurred "
            "FROM seed_case c CROSS JOIN LATERAL generate_series(1, c.notes) AS n) AS notes",
            {
                "kinds": kinds,
                "summaries": [summary for _, summary, _ in NOTES],
                "details": [detail for _, _, detail in NOTES],
                "agency": self.la.pk,
                "conversation": list(conversation_kinds),
                "ratio": ratio,
                "count": len(NOTES),
            },
        )
        base = self._next_id(ChronologyEntry, 0)
        self._sql(
            "seed_chron (ordered)",
            "CREATE TEMP TABLE seed_chron_sorted ON COMMIT DROP AS SELECT "
            "%s + row_number() OVER (ORDER BY occurred_at, tmp) - 1 AS id, family_id, case_id, subject_id, kind, "
            "occurred_at, LEAST(occurred_at + CASE WHEN kind = ANY(%s) THEN random() * interval '20 minutes' "
            "ELSE interval '0' END, now()) AS recorded_at, summary, COALESCE(detail, '') AS detail, author_id, "
            "author_agency_id, conversation FROM seed_chron",
            [base, kinds],
        )
        self.cursor.execute("SELECT count(*), max(id) FROM seed_chron_sorted")
        count, high = self.cursor.fetchone()
        self._chained_insert(
            ChronologyEntry, CHRONOLOGY_CHAINED, "seed_chron_sorted", ChronologyEntry._meta.db_table
        )
        self.ids[ChronologyEntry._meta.db_table] = (high or base) + 1
        self._say(f"  {count} chronology entries")

    def _conversations(self) -> None:
        conversation, contribution = Conversation._meta.db_table, Contribution._meta.db_table
        kinds = {ChronologyKind.HOME_VISIT: ConversationKind.HOME_VISIT}
        made = self._sql(
            conversation,
            f'INSERT INTO "{conversation}" (family_id, case_id, kind, occurred_at, location, present, discussed, '
            "family_words, child_words, chronology_entry_id, author_id, author_agency_id, recorded_at) "
            "SELECT family_id, case_id, CASE kind WHEN %s THEN %s ELSE %s END, occurred_at, 'Family home', "
            "'Parent(s) and children', detail, '', '', id, author_id, author_agency_id, recorded_at "
            "FROM seed_chron_sorted WHERE conversation",
            [ChronologyKind.HOME_VISIT, kinds[ChronologyKind.HOME_VISIT], ConversationKind.CONVERSATION],
        )
        sections = [value for value in Section.values if value != Section.HOW_WORRIED] + [
            Section.HOW_WORRIED
        ] * 3
        contributed = self._sql(
            contribution,
            f'INSERT INTO "{contribution}" (assessment_id, section, text, scale, scaled_by, gathered_by, '
            "conversation_id, author_id, author_agency_id, recorded_at) "
            "SELECT assessment_id, section, text, CASE WHEN section = %(worried)s THEN (random() * 10)::int END, "
            "CASE WHEN section = %(worried)s THEN %(practitioner)s ELSE '' END, "
            "CASE WHEN section = %(voice)s THEN %(conversation)s ELSE '' END, "
            "conversation_id, author_id, author_agency_id, recorded_at FROM ("
            "SELECT a.id AS assessment_id, c.id AS conversation_id, c.author_id, c.author_agency_id, c.recorded_at, "
            "(%(sections)s::text[])[1 + floor(random() * %(nsections)s)::int] AS section, "
            "(%(texts)s::text[])[1 + floor(random() * %(ntexts)s)::int] AS text "
            f'FROM "{conversation}" c JOIN "{Assessment._meta.db_table}" a ON a.family_id = c.family_id '
            "CROSS JOIN LATERAL generate_series(1, 1 + (c.id %% 3)::int) AS n) AS rows",
            {
                "worried": Section.HOW_WORRIED,
                "practitioner": ScaledBy.PRACTITIONER,
                "voice": Section.VOICE_OF_CHILD,
                "conversation": GatheredBy.DIRECT_CONVERSATION,
                "sections": sections,
                "nsections": len(sections),
                "texts": CONTRIBUTIONS,
                "ntexts": len(CONTRIBUTIONS),
            },
        )
        self._say(f"  {made} conversations, {contributed} contributions")

    # --- the access log: every read of a record, ten years of them -----------------------------

    def _access_log(self, chunk: int = 1_000_000) -> None:
        table = AccessLogEntry._meta.db_table
        access_log_partitions_maintain(now=self.now, since=self.start, drop=False)  # ten years of months
        total = _scaled(ACCESS_LOG, self.scale)
        member = FamilyMember._meta.db_table
        self._sql(
            f"{table} (records)",
            "CREATE TEMP TABLE seed_pick ON COMMIT DROP AS SELECT "
            f'(SELECT array_agg(id ORDER BY id) FROM "{Case._meta.db_table}") AS case_ids, '
            f'(SELECT array_agg(family_id ORDER BY id) FROM "{Case._meta.db_table}") AS case_families, '
            f'(SELECT array_agg(id ORDER BY id) FROM "{Family._meta.db_table}") AS family_ids, '
            f"(SELECT array_agg(person_id ORDER BY person_id) FROM (SELECT DISTINCT ON (person_id) person_id, "
            f'family_id FROM "{member}" ORDER BY person_id, family_id) m) AS person_ids, '
            f"(SELECT array_agg(family_id ORDER BY person_id) FROM (SELECT DISTINCT ON (person_id) person_id, "
            f'family_id FROM "{member}" ORDER BY person_id, family_id) m) AS person_families, '
            f'(SELECT array_agg(id ORDER BY id) FROM "{Contact._meta.db_table}") AS contact_ids, '
            f'(SELECT array_agg(COALESCE(family_id, 0) ORDER BY id) FROM "{Contact._meta.db_table}") '
            "AS contact_families, %s::bigint[] AS user_ids",
            [[user.pk for user in self.staff.everyone]],
        )
        base = self._next_id(AccessLogEntry, total)
        span = (self.now - self.start).total_seconds()
        # Each array is read once a statement, detoasted ("|| '{{}}'"), then indexed in memory.
        pick = (
            "(SELECT {arr} || '{{}}' FROM seed_pick)[cardinality((SELECT {arr} || '{{}}' FROM seed_pick)) "
            "- floor(cardinality((SELECT {arr} || '{{}}' FROM seed_pick)) * r.skew)::int]"
        )
        source = (
            "SELECT id, at, (SELECT user_ids || '{{}}' FROM seed_pick)[1 + floor(random() * "
            "cardinality((SELECT user_ids || '{{}}' FROM seed_pick)))::int] AS user_id, record_type, "
            "CASE record_type WHEN 'case' THEN {case_ids} WHEN 'family' THEN {family_ids} "
            "WHEN 'person' THEN {person_ids} ELSE {contact_ids} END AS record_id, "
            "CASE record_type WHEN 'case' THEN {case_families} WHEN 'family' THEN {family_ids} "
            "WHEN 'person' THEN {person_families} ELSE NULLIF({contact_families}, 0) END AS family_id, "
            "CASE WHEN api THEN 'api:' ELSE '' END || CASE record_type WHEN 'case' THEN 'cases:case-detail' "
            "WHEN 'family' THEN 'cases:family-detail' WHEN 'person' THEN 'cases:person-detail' "
            "ELSE 'referrals:contact' END AS route, 'GET' AS method, "
            "CASE WHEN api THEN 'api' ELSE 'page' END AS via, '' AS reason, '' AS sha256 FROM ("
            "SELECT g AS id, %(start)s::timestamptz + (g - %(base)s) * %(step)s * interval '1 second' AS at, "
            "power(random(), 2) AS skew, random() < 0.1 AS api, "
            "(ARRAY['case', 'case', 'case', 'case', 'family', 'family', 'family', 'person', 'person', "
            "'contact'])[1 + floor(random() * 10)::int] AS record_type "
            "FROM generate_series(%(first)s, %(last)s) AS g) AS r"
        ).format(
            **{
                arr: pick.format(arr=arr)
                for arr in (
                    "case_ids",
                    "case_families",
                    "family_ids",
                    "person_ids",
                    "person_families",
                    "contact_ids",
                    "contact_families",
                )
            }
        )
        self.cursor.execute(f'SELECT COALESCE(MAX(chain_seq), 0) FROM "{table}"')
        seq = self.cursor.fetchone()[0]
        fields = ACCESS_LOG_CHAINED
        columns = [AccessLogEntry._meta.get_field(name).column for name in fields]
        digest = chain_digest_sql(AccessLogEntry, fields, "s")
        quoted = ", ".join(f'"{column}"' for column in columns)
        selected = ", ".join(f's."{column}"' for column in columns)
        with self._indexes_deferred(table, table):
            for first in range(base, base + total, chunk):
                last = min(first + chunk, base + total) - 1
                self.cursor.execute(f'SELECT row_hash FROM "{table}" WHERE chain_seq = %s', [seq])
                found = self.cursor.fetchone()
                self._sql(
                    table,
                    f'INSERT INTO "{table}" ({quoted}, chain_seq, row_hash) '
                    f"SELECT {selected}, %(seq)s + row_number() OVER w, "
                    f"pg_temp.seed_chain({digest}, %(previous)s) OVER w FROM ({source}) s "
                    "WINDOW w AS (ORDER BY s.id ROWS UNBOUNDED PRECEDING)",
                    {
                        "seq": seq,
                        "previous": found[0] if found else None,
                        "start": self.start,
                        "base": base,
                        "step": span / total,
                        "first": first,
                        "last": last,
                    },
                )
                seq += self.cursor.rowcount
        self._say(f"  {total} access log entries")


OUTCOME_WORDS = {
    TriageOutcome.NFA: "We will not be taking any further action; thank you for telling us.",
    TriageOutcome.SIGNPOST: "We have pointed the family to help that is available in the community.",
    TriageOutcome.EARLY_HELP: "The Early Help Hub will contact the family to offer support.",
    **{f"pathway_{n}": "A worker will contact the family." for n in (1, 2, 3, 4)},
}
