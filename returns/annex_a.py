"""Ofsted's Annex A lists 1 to 7 for an inspection of local authority children's services, built
from the children's records: one sheet each, Ofsted's column headings in Ofsted's order, dates as
dd/mm/yyyy and coded answers with their letter prefixes (docs/annex-a.md names the sources).

The window is the six (or twelve) months up to the end date. Lists 1-5 hold what happened in the
window; lists 6 and 7 hold what was open at the end date or closed in the window, one row per
child (their latest episode or plan). Written with openpyxl's write-only workbook, a row at a
time, so memory does not grow with the county.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from openpyxl import Workbook

from assessments.choices import ConversationKind
from assessments.models import Conversation
from cases.choices import Disability, Ethnicity, PersonKind, Sex
from cases.models import Case, Person
from pathways.codes import S47Outcome
from pathways.models import ChildAssessment, CinEpisode, CpPlan, PathwayTransition, Plan, Section47
from pathways.selectors import case_children
from referrals.choices import SubjectRole
from referrals.models import ContactSubject
from referrals.services import contact_referral_source

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
DISABILITY = "Does the Child have a Disability"
TEAM_AND_WORKER = ["Allocated Team", "Allocated Worker"]
HEADINGS = {
    "List 1": [*COMMON, "Date of Contact", "Contact Source"],
    "List 2": [
        *COMMON,
        "Assessment start date",
        "Assessment completion date",
        "Organisation completing assessment",
    ],
    "List 3": [
        *COMMON,
        "Date of referral",
        "Referral Source",
        "Referral NFA?",
        "Number of Referrals in Last 12 Months",
        *TEAM_AND_WORKER,
    ],
    "List 4": [
        *COMMON,
        DISABILITY,
        "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment",
        "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        *TEAM_AND_WORKER,
    ],
    "List 5": [
        *COMMON,
        DISABILITY,
        "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months",
        *TEAM_AND_WORKER,
    ],
    "List 6": [
        *COMMON,
        DISABILITY,
        "CIN Start Date",
        "Primary Need Code",
        "Date Child Was Last Seen",
        "CIN Closure Date",
        "Reason for Closure",
        "Case Status",
        *TEAM_AND_WORKER,
    ],
    "List 7": [
        *COMMON,
        DISABILITY,
        "Child Protection Plan Start Date",
        "Initial Category of Abuse",
        "Latest Category of Abuse",
        "Date of the Last Statutory Visit",
        "Was the Child Seen Alone?",
        "Date of latest review conference",
        "Child Protection Plan End Date",
        "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
        "Number of Previous Child Protection Plans",
        *TEAM_AND_WORKER,
    ],
}
SHEET_TITLES = {
    "List 1": "List 1 - Contacts",
    "List 2": "List 2 - Early help",
    "List 3": "List 3 - Referrals",
    "List 4": "List 4 - Assessments",
    "List 5": "List 5 - Section 47 enquiries",
    "List 6": "List 6 - Children in need",
    "List 7": "List 7 - Child protection",
}

_GENDER = {Sex.MALE: "a) Male", Sex.FEMALE: "b) Female", Sex.UNKNOWN: "c) Not stated/recorded"}
_ETHNIC_ORDER = [
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
]  # fmt: skip
_ETHNICITY = {
    code: f"{letter}) {code}" for letter, code in zip("abcdefghijklmnopqrst", _ETHNIC_ORDER, strict=True)
}
_SOURCE = {
    "1A": "a) 1A: Individual",
    "1B": "b) 1B: Individual",
    "1C": "c) 1C: Individual",
    "1D": "d) 1D: Individual",
    "2A": "e) 2A: Schools",
    "2B": "f) 2B: Education services",
    "3A": "g) 3A: Health services",
    "3B": "h) 3B: Health services",
    "3C": "i) 3C: Health services",
    "3D": "j) 3D: Health services",
    "3E": "k) 3E: Health services",
    "3F": "l) 3F: Health services",
    "4": "m) 4: Housing",
    "5A": "n) 5A: LA services",
    "5B": "o) 5B: LA services",
    "5C": "p) 5C: LA services",
    "5D": "p1) 5D: LA services",
    "6": "q) 6: Police",
    "7": "r) 7: Other legal agency",
    "8": "s) 8: Other",
    "9": "t) 9: Anonymous",
    "10": "u) 10: Unknown",
}
_NEED = {
    "N0": "N0 - Not stated",
    "N1": "N1 - Abuse or neglect",
    "N2": "N2 - Child's disability",
    "N3": "N3 - Parental disability or illness",
    "N4": "N4 - Family in acute stress",
    "N5": "N5 - Family dysfunction",
    "N6": "N6 - Socially unacceptable behaviour",
    "N7": "N7 - Low income",
    "N8": "N8 - Absent parenting",
    "N9": "N9 - Cases other than children in need",
}
_CLOSURE = {
    "RC1": "RC1 - Adopted",
    "RC2": "RC2 - Died",
    "RC3": "RC3 - Child arrangements order",
    "RC4": "RC4 - Special guardianship order",
    "RC5": "RC5 - Transferred to services of another local authority",
    "RC6": "RC6 - Transferred to adult social care services",
    "RC7": "RC7 - Services ceased for any other reason, including child no longer in need",
    "RC8": "RC8 - Case closed after assessment, no further action",
    "RC9": "RC9 - Case closed after assessment, referred to early help",
}
_CATEGORY = {
    "NEG": "a) Neglect",
    "PHY": "b) Physical abuse",
    "SAB": "c) Sexual abuse",
    "EMO": "d) Emotional abuse",
    "MUL": "e) Multiple/not recommended",
}
YES, NO, UNKNOWN = "a) Yes", "b) No", "c) Unknown"
if set(_ETHNICITY) != set(Ethnicity.values):  # the two code lists must agree
    raise RuntimeError("Annex A's ethnicity codes and the census's differ")


@dataclass(frozen=True)
class Window:
    """The months up to an end date (the day before the inspection, usually)."""

    end: date
    months: int = 6

    @property
    def start(self) -> date:
        return self.end - relativedelta(months=self.months) + relativedelta(days=1)

    def aware(self, day: date, last: bool = False) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.max if last else time.min))


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%d/%m/%Y")


def _yes_no(value: bool | None) -> str:
    return "" if value is None else (YES if value else NO)


def _age(person: Person | None, on: date, born: date | None = None) -> int | str:
    if person is not None and person.kind == PersonKind.UNBORN:
        return -1
    born = born or (person.date_of_birth if person else None)
    if born is None:
        return ""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _disability(person: Person) -> str:
    codes = person.disabilities or []
    if not codes:
        return UNKNOWN
    return NO if codes == [Disability.NONE] else YES


def _common(person: Person, window: Window) -> list:
    return [
        f"P{person.pk}",
        _GENDER.get(Sex.UNKNOWN if person.kind == PersonKind.UNBORN else person.sex, _GENDER[Sex.UNKNOWN]),
        _ETHNICITY.get(person.ethnicity, _ETHNICITY["NOBT"]),
        _day(person.date_of_birth),
        _age(person, window.end),
    ]


def _team_worker(case: Case | None) -> list[str]:
    if case is None:
        return ["", ""]
    return [case.team.name, str(case.key_worker) if case.key_worker_id else ""]


def _root(person: Person) -> Person:
    """A merged duplicate is listed as the record it was merged into."""
    while person.merged_into_id:
        person = person.merged_into
    return person


# --- the lists ----------------------------------------------------------------------------------


def list_1_contacts(window: Window) -> Iterator[list]:
    """Every contact received in the window, a row for each child in it."""
    subjects = (
        ContactSubject.objects.filter(
            role__in=[SubjectRole.CHILD, SubjectRole.UNBORN],
            contact__received_at__range=(window.aware(window.start), window.aware(window.end, last=True)),
        )
        .select_related("contact__referrer_agency", "person__merged_into__merged_into")
        .order_by("contact__received_at", "pk")
    )
    for subject in subjects.iterator(chunk_size=1000):
        contact = subject.contact
        if subject.person_id:
            common = _common(_root(subject.person), window)
        else:  # not linked to a record (yet): the contact's own details
            common = [
                f"S{subject.pk}",
                _GENDER[Sex.UNKNOWN],
                _ETHNICITY["NOBT"],
                _day(subject.date_of_birth),
                -1 if subject.role == SubjectRole.UNBORN else _age(None, window.end, subject.date_of_birth),
            ]
        yield [*common, _day(contact.received_at), _SOURCE.get(contact_referral_source(contact), "")]


def _pathway_2_spans(case: Case, transitions: list[PathwayTransition]) -> list[tuple[date, date | None]]:
    """When the family's case was at pathway 2 (family help): from entering it to leaving it."""
    spans, start = [], None
    initial = transitions[0].from_pathway if transitions else case.pathway
    if initial == 2:
        start = timezone.localdate(case.opened_at)
    for transition in transitions:
        if transition.to_pathway == 2 and start is None:
            start = timezone.localdate(transition.at)
        elif transition.from_pathway == 2 and transition.to_pathway != 2 and start is not None:
            spans.append((start, timezone.localdate(transition.at)))
            start = None
    if start is not None:
        spans.append((start, None))
    return spans


def list_2_early_help(window: Window) -> Iterator[list]:
    """Early help assessments in the window, and family help open at its end: a row for each
    child of the family, the assessment completed when the family's plan was made."""
    cases = (
        Case.objects.filter(opened_at__lte=window.aware(window.end, last=True))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=window.aware(window.start)))
        .filter(Q(pathway=2) | Q(pathway_history__to_pathway=2) | Q(pathway_history__from_pathway=2))
        .distinct()
        .select_related("team", "family")
        .order_by("pk")
    )
    for case in cases.iterator(chunk_size=500):
        transitions = list(PathwayTransition.objects.filter(case=case).order_by("at", "pk"))
        plan = Plan.objects.filter(case=case).first()
        children = list(case_children(case))
        for start, ended in _pathway_2_spans(case, transitions):
            if start > window.end or (ended is not None and ended < window.start):
                continue
            completed = plan.started_on if plan and plan.started_on >= start else None
            if completed and completed > window.end:
                completed = None
            for child in children:
                yield [*_common(child, window), _day(start), _day(completed), case.team.name]


def _referrals_before(episodes: Iterable[CinEpisode]) -> dict[int, list[date]]:
    dates = defaultdict(list)
    for episode in episodes:
        dates[episode.child_id].append(episode.referral_date)
    return dates


def list_3_referrals(window: Window) -> Iterator[list]:
    episodes = (
        CinEpisode.objects.filter(referral_date__range=(window.start, window.end))
        .select_related("child__merged_into__merged_into", "case__team", "case__key_worker")
        .order_by("referral_date", "pk")
    )
    history = _referrals_before(
        CinEpisode.objects.filter(
            child__in=episodes.values("child"), referral_date__gte=window.start - relativedelta(months=12)
        ).only("child_id", "referral_date")
    )
    for episode in episodes.iterator(chunk_size=1000):
        earlier = [
            day
            for day in history[episode.child_id]
            if episode.referral_date - relativedelta(months=12) <= day < episode.referral_date
        ]
        yield [
            *_common(_root(episode.child), window),
            _day(episode.referral_date),
            _SOURCE.get(episode.referral_source, ""),
            _yes_no(episode.referral_nfa),
            len(earlier),
            *_team_worker(episode.case),
        ]


def _seen_during(window: Window):
    """Whether a conversation recorded the child seen while the assessment was open (one query
    for the whole list, not one a row)."""
    return Exists(
        Conversation.objects.filter(
            children_seen=OuterRef("episode__child_id"),
            occurred_at__date__gte=OuterRef("started_on"),
            occurred_at__date__lte=Coalesce(OuterRef("authorised_on"), Value(window.end)),
        )
    )


def list_4_assessments(window: Window) -> Iterator[list]:
    assessments = (
        ChildAssessment.objects.filter(started_on__lte=window.end)
        .filter(Q(authorised_on__isnull=True) | Q(authorised_on__gte=window.start))
        .select_related(
            "episode__child__merged_into__merged_into", "episode__case__team", "episode__case__key_worker"
        )
        .annotate(seen=_seen_during(window))
        .order_by("started_on", "pk")
    )
    for assessment in assessments.iterator(chunk_size=1000):
        episode = assessment.episode
        authorised = (
            assessment.authorised_on
            if assessment.authorised_on and assessment.authorised_on <= window.end
            else None
        )
        needs_support = None
        if authorised:
            needs_support = not (
                episode.closure_reason in ("RC8", "RC9")
                and episode.closure_date
                and episode.closure_date <= window.end
            )
        child = _root(episode.child)
        yield [
            *_common(child, window),
            _disability(child),
            _day(assessment.started_on),
            _yes_no(assessment.seen),
            _day(authorised),
            _yes_no(needs_support),
            *_team_worker(episode.case),
        ]


def list_5_section_47(window: Window) -> Iterator[list]:
    enquiries = (
        Section47.objects.filter(started_on__lte=window.end)
        .filter(
            Q(started_on__gte=window.start)
            | Q(outcome="")
            | Q(outcome=S47Outcome.HOLD_ICPC, icpc_date__isnull=True)
        )
        .select_related(
            "episode__child__merged_into__merged_into", "episode__case__team", "episode__case__key_worker"
        )
        .prefetch_related("cp_plan")
        .order_by("started_on", "pk")
    )
    year_before = window.start - relativedelta(months=12)
    history = defaultdict(list)
    for row in Section47.objects.filter(
        episode__child__in=enquiries.values("episode__child"), started_on__gte=year_before
    ).values("episode__child_id", "started_on", "icpc_date"):
        history[row["episode__child_id"]].append((row["started_on"], row["icpc_date"]))
    for enquiry in enquiries.iterator(chunk_size=1000):
        episode = enquiry.episode
        child = _root(episode.child)
        decided = enquiry.outcome if enquiry.outcome_on and enquiry.outcome_on <= window.end else ""
        icpc = enquiry.icpc_date if enquiry.icpc_date and enquiry.icpc_date <= window.end else None
        on_plan = None
        if icpc:
            on_plan = hasattr(enquiry, "cp_plan") and enquiry.cp_plan is not None
        since = enquiry.started_on - relativedelta(months=12)
        earlier = [(s, i) for s, i in history[episode.child_id] if since <= s < enquiry.started_on]
        yield [
            *_common(child, window),
            _disability(child),
            _day(enquiry.started_on),
            _yes_no(None if not decided else decided != S47Outcome.HOLD_ICPC),
            _day(icpc),
            _yes_no(on_plan),
            len(earlier),
            sum(1 for _, i in earlier if i and i < enquiry.started_on),
            *_team_worker(episode.case),
        ]


def _last_seen(window: Window):
    return Subquery(
        Conversation.objects.filter(
            children_seen=OuterRef("child_id"), occurred_at__lte=window.aware(window.end, last=True)
        )
        .order_by()
        .values("children_seen")
        .annotate(last=Max("occurred_at"))
        .values("last")[:1]
    )


def _latest_per_child(rows: Iterable, key) -> list:
    latest = {}
    for row in rows:
        latest[key(row)] = row  # rows come oldest first: the last one wins
    return list(latest.values())


def list_6_children_in_need(window: Window) -> Iterator[list]:
    episodes = (
        CinEpisode.objects.filter(referral_date__lte=window.end)
        .filter(Q(closure_date__isnull=True) | Q(closure_date__gte=window.start))
        .select_related("child__merged_into__merged_into", "case__team", "case__key_worker")
        .prefetch_related("assessments", "cin_plans", "cp_plans")
        .annotate(last_seen=_last_seen(window))
        .order_by("referral_date", "pk")
    )
    for episode in _latest_per_child(episodes, key=lambda e: _root(e.child).pk):
        child = _root(episode.child)
        closed = episode.closure_date if episode.closure_date and episode.closure_date <= window.end else None
        yield [
            *_common(child, window),
            _disability(child),
            _day(episode.referral_date),
            _NEED.get(episode.primary_need, ""),
            _day(episode.last_seen),
            _day(closed),
            _CLOSURE.get(episode.closure_reason, "") if closed else "",
            _case_status(episode, closed, window.end),
            *_team_worker(episode.case),
        ]


def _case_status(episode: CinEpisode, closed: date | None, end: date) -> str:
    """Ofsted's order of precedence at the end date (Continuum records no looked-after children)."""
    if closed:
        return "e) Closed episode"

    def running(started, ended):
        return started <= end and (ended is None or ended > end)

    if any(running(plan.started_on, plan.ended_on) for plan in episode.cp_plans.all()):
        return "b) Child Protection plan"
    if any(running(plan.started_on, plan.ended_on) for plan in episode.cin_plans.all()):
        return "c) Child in need plan"
    if any(
        a.started_on <= end and (a.authorised_on is None or a.authorised_on > end)
        for a in episode.assessments.all()
    ):
        return "d) Open assessment"
    return "c) Child in need plan"


def _last_visit(window: Window) -> dict:
    """The last home visit in the plan with the child seen, and whether they were seen alone."""
    visits = Conversation.objects.filter(
        kind=ConversationKind.HOME_VISIT,
        children_seen=OuterRef("episode__child_id"),
        occurred_at__date__gte=OuterRef("started_on"),
        occurred_at__date__lte=Coalesce(OuterRef("ended_on"), Value(window.end)),
    ).order_by("-occurred_at")
    alone = Conversation.children_seen_alone.through.objects.filter(
        conversation=OuterRef("pk"), person=OuterRef(OuterRef("episode__child_id"))
    )
    return {
        "visit_at": Subquery(visits.values("occurred_at")[:1]),
        "visit_alone": Subquery(visits.annotate(alone=Exists(alone)).values("alone")[:1]),
    }


def list_7_child_protection(window: Window) -> Iterator[list]:
    plans = (
        CpPlan.objects.filter(started_on__lte=window.end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=window.start))
        .select_related(
            "episode__child__merged_into__merged_into", "episode__case__team", "episode__case__key_worker"
        )
        .prefetch_related("reviews", "category_changes")
        .annotate(**_last_visit(window))
        .order_by("started_on", "pk")
    )
    for cp_plan in _latest_per_child(plans, key=lambda p: _root(p.episode.child).pk):
        episode = cp_plan.episode
        child = _root(episode.child)
        ended = cp_plan.ended_on if cp_plan.ended_on and cp_plan.ended_on <= window.end else None
        visit_on, seen_alone = cp_plan.visit_at, cp_plan.visit_alone
        reviews = [review.held_on for review in cp_plan.reviews.all() if review.held_on <= window.end]
        changes = [change for change in cp_plan.category_changes.all() if change.on <= window.end]
        latest = changes[-1].to_category if changes else cp_plan.initial_category
        yield [
            *_common(child, window),
            _disability(child),
            _day(cp_plan.started_on),
            _CATEGORY.get(cp_plan.initial_category, ""),
            _CATEGORY.get(latest, ""),
            _day(visit_on),
            _yes_no(seen_alone),
            _day(max(reviews) if reviews else None),
            _day(ended),
            "",  # emergency protection orders and police protection are not recorded in Continuum yet
            cp_plan.previous_plans,
            *_team_worker(episode.case),
        ]


LISTS = {
    "List 1": list_1_contacts,
    "List 2": list_2_early_help,
    "List 3": list_3_referrals,
    "List 4": list_4_assessments,
    "List 5": list_5_section_47,
    "List 6": list_6_children_in_need,
    "List 7": list_7_child_protection,
}


def annex_a_write(end: date, out, *, months: int = 6, progress=None) -> dict[str, int]:
    """Write the workbook to `out` (a path or binary file); return each list's row count.
    `progress(lists_done)` is called after each list."""
    window = Window(end, months)
    workbook = Workbook(write_only=True)
    counts = {}
    for number, (name, rows) in enumerate(LISTS.items(), start=1):
        sheet = workbook.create_sheet(SHEET_TITLES[name])
        sheet.append(HEADINGS[name])
        counts[name] = 0
        for row in rows(window):
            sheet.append(row)
            counts[name] += 1
        if progress:
            progress(number)
    workbook.save(out)
    return counts
