"""The DfE's Children in Need census return, built from the children's statutory records.

`census_children(year)` reads, a chunk of children at a time, every child with a CIN episode open
at any point in the census year (1 April to 31 March), each child once with all their episodes
(merged duplicates under the record they were merged into), as the records stood on the reference
date: facts after it are left out, and activities finished before the year began are not sent.
`census_write` streams the XML in the DfE's element order; `census_problems` lists what would fail
or query the DfE's validation rules, so it can be fixed where it is recorded. The export never
stops for a child with missing facts: they are written and counted.

Element names and order: docs/census.md, from the DfE's CIN census specification.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import islice, pairwise
from xml.sax.saxutils import XMLGenerator

from django.conf import settings
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from cases.choices import PersonKind, Sex
from cases.models import Person
from escalation.calendar import working_days_after
from pathways.codes import ASSESSMENT_FACTORS
from pathways.models import CinEpisode

SOFTWARE_CODE = "Continuum"
RELEASE = "1"
CHUNK = 500


@dataclass(frozen=True)
class CensusYear:
    """A census year: `year` is the year it ends (2026 is 1 April 2025 to 31 March 2026)."""

    year: int

    @property
    def start(self) -> date:
        return date(self.year - 1, 4, 1)

    @property
    def reference_date(self) -> date:
        return date(self.year, 3, 31)

    def __str__(self) -> str:
        return f"{self.year - 1} to {self.year}"


@dataclass
class AssessmentRow:
    started_on: date
    authorised_on: date | None
    factors: list[str]


@dataclass
class Section47Row:
    started_on: date
    icpc_target: date | None
    icpc_date: date | None
    icpc_not_required: bool


@dataclass
class CpPlanRow:
    started_on: date
    ended_on: date | None
    initial_category: str
    latest_category: str
    previous_plans: int
    reviews: list[date]


@dataclass
class EpisodeRow:
    case_id: int
    referral_date: date
    referral_source: str
    primary_need: str
    closure_date: date | None
    closure_reason: str
    referral_nfa: bool
    assessments: list[AssessmentRow] = field(default_factory=list)
    cin_plans: list[tuple[date, date | None]] = field(default_factory=list)
    section47s: list[Section47Row] = field(default_factory=list)
    cp_plans: list[CpPlanRow] = field(default_factory=list)


@dataclass
class CensusChild:
    person: Person
    episodes: list[EpisodeRow]

    @property
    def la_child_id(self) -> str:
        return f"P{self.person.pk}"


@dataclass(frozen=True)
class Problem:
    """Something in a child's return that fails (ERROR) or queries (QUERY) a DfE rule."""

    rule: str
    severity: str
    message: str
    fix_url: str


def _as_at(day: date | None, reference: date) -> date | None:
    """A date as the record stood on the reference date: later ones had not happened yet."""
    return day if day is not None and day <= reference else None


def _episodes_in(period: CensusYear):
    return CinEpisode.objects.filter(referral_date__lte=period.reference_date).filter(
        Q(closure_date__isnull=True) | Q(closure_date__gte=period.start)
    )


def _root():
    """The record a child's episodes are returned under: the one their record was merged into."""
    return Coalesce(F("child__merged_into__merged_into"), F("child__merged_into"), F("child"))


def _episode_row(episode: CinEpisode, period: CensusYear) -> EpisodeRow:
    ref, start = period.reference_date, period.start
    closure = _as_at(episode.closure_date, ref)
    row = EpisodeRow(
        case_id=episode.case_id,
        referral_date=episode.referral_date,
        referral_source=episode.referral_source,
        primary_need=episode.primary_need,
        closure_date=closure,
        closure_reason=episode.closure_reason if closure else "",
        referral_nfa=episode.referral_nfa,
    )
    # Activities finished before the year began are not sent (DfE rules 8696, 8715, 4013, 8930).
    for assessment in episode.assessments.all():
        authorised = _as_at(assessment.authorised_on, ref)
        if assessment.started_on > ref or (authorised and authorised < start):
            continue
        row.assessments.append(
            AssessmentRow(assessment.started_on, authorised, list(assessment.factors) if authorised else [])
        )
    for period_row in episode.cin_plans.all():
        ended = _as_at(period_row.ended_on, ref)
        if period_row.started_on > ref or (ended and ended < start):
            continue
        row.cin_plans.append((period_row.started_on, ended))
    for enquiry in episode.section47s.all():
        icpc = _as_at(enquiry.icpc_date, ref)
        not_required = enquiry.icpc_not_required and _as_at(enquiry.outcome_on, ref) is not None
        finished = icpc or (enquiry.outcome_on if not_required else None)
        if enquiry.started_on > ref or (finished and finished < start):
            continue
        row.section47s.append(Section47Row(enquiry.started_on, enquiry.icpc_target, icpc, not_required))
    for cp_plan in episode.cp_plans.all():
        ended = _as_at(cp_plan.ended_on, ref)
        if cp_plan.started_on > ref or (ended and ended < start):
            continue
        row.cp_plans.append(
            CpPlanRow(
                cp_plan.started_on,
                ended,
                cp_plan.initial_category,
                _latest_category(cp_plan, ref),
                cp_plan.previous_plans,
                [review.held_on for review in cp_plan.reviews.all() if review.held_on <= ref],
            )
        )
    return row


def _latest_category(cp_plan, reference: date) -> str:
    changes = [change for change in cp_plan.category_changes.all() if change.on <= reference]
    return changes[-1].to_category if changes else cp_plan.initial_category


def census_children(year: int, *, chunk: int = CHUNK) -> Iterator[CensusChild]:
    """Every child in the year's return, in record order, a chunk at a time (memory does not grow
    with the number of children)."""
    period = CensusYear(year)
    roots = (
        _episodes_in(period)
        .annotate(root=_root())
        .order_by("root")
        .values_list("root", flat=True)
        .distinct()
        .iterator(chunk_size=2000)
    )
    while True:
        ids = list(islice(roots, chunk))
        if not ids:
            return
        people = Person.objects.in_bulk(ids)
        episodes = (
            _episodes_in(period)
            .annotate(root=_root())
            .filter(root__in=ids)
            .prefetch_related(
                "assessments", "cin_plans", "section47s", "cp_plans__reviews", "cp_plans__category_changes"
            )
            .order_by("referral_date", "pk")
        )
        by_root: dict[int, list[EpisodeRow]] = {pk: [] for pk in ids}
        for episode in episodes:
            by_root[episode.root].append(_episode_row(episode, period))
        for pk in ids:
            yield CensusChild(person=people[pk], episodes=by_root[pk])


# --- the XML ------------------------------------------------------------------------------------


class _Xml:
    def __init__(self, out):
        self.gen = XMLGenerator(out, encoding="utf-8", short_empty_elements=False)

    def open(self, name: str) -> None:
        self.gen.startElement(name, {})

    def close(self, name: str) -> None:
        self.gen.endElement(name)

    def value(self, name: str, value) -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            value = "1" if value else "0"
        elif isinstance(value, date):
            value = value.isoformat()
        self.gen.startElement(name, {})
        self.gen.characters(str(value))
        self.gen.endElement(name)


def _header(xml: _Xml, period: CensusYear, made_at: datetime) -> None:
    xml.open("Header")
    xml.open("CollectionDetails")
    xml.value("Collection", "CIN")
    xml.value("Year", period.year)
    xml.value("ReferenceDate", period.reference_date)
    xml.close("CollectionDetails")
    xml.open("Source")
    xml.value("SourceLevel", "L")
    xml.value("LEA", settings.LEA_CODE)
    xml.value("SoftwareCode", SOFTWARE_CODE)
    xml.value("Release", RELEASE)
    xml.value("SerialNo", "001")
    xml.value("DateTime", timezone.localtime(made_at).strftime("%Y-%m-%dT%H:%M:%S"))
    xml.close("Source")
    xml.close("Header")


def _child(xml: _Xml, child: CensusChild, period: CensusYear) -> None:
    person = child.person
    ref = period.reference_date
    xml.open("Child")
    xml.open("ChildIdentifiers")
    xml.value("LAchildID", child.la_child_id)
    xml.value("UPN", person.upn)
    xml.value("FormerUPN", person.former_upn)
    if not person.upn:
        xml.value("UPNunknown", person.upn_unknown_reason)
    if person.kind == PersonKind.UNBORN:
        xml.value("ExpectedPersonBirthDate", person.expected_date_of_birth)
    else:
        xml.value("PersonBirthDate", person.date_of_birth)
    xml.value("Sex", Sex.UNKNOWN if person.kind == PersonKind.UNBORN else person.sex)
    xml.value("PersonDeathDate", _as_at(person.date_of_death, ref))
    xml.close("ChildIdentifiers")
    xml.open("ChildCharacteristics")
    xml.value("Ethnicity", person.ethnicity)
    if person.disabilities:
        xml.open("Disabilities")
        for code in person.disabilities:
            xml.value("Disability", code)
        xml.close("Disabilities")
    xml.close("ChildCharacteristics")
    for episode in child.episodes:
        _episode(xml, episode)
    xml.close("Child")


def _episode(xml: _Xml, episode: EpisodeRow) -> None:
    xml.open("CINdetails")
    xml.value("CINreferralDate", episode.referral_date)
    xml.value("ReferralSource", episode.referral_source)
    xml.value("PrimaryNeedCode", episode.primary_need)
    xml.value("CINclosureDate", episode.closure_date)
    xml.value("ReasonForClosure", episode.closure_reason)
    for assessment in episode.assessments:
        xml.open("Assessments")
        xml.value("AssessmentActualStartDate", assessment.started_on)
        xml.value("AssessmentAuthorisationDate", assessment.authorised_on)
        if assessment.factors:
            xml.open("FactorsIdentifiedAtAssessment")
            for factor in assessment.factors:
                xml.value("AssessmentFactors", factor)
            xml.close("FactorsIdentifiedAtAssessment")
        xml.close("Assessments")
    for started_on, ended_on in episode.cin_plans:
        xml.open("CINPlanDates")
        xml.value("CINPlanStartDate", started_on)
        xml.value("CINPlanEndDate", ended_on)
        xml.close("CINPlanDates")
    for enquiry in episode.section47s:
        xml.open("Section47")
        xml.value("S47ActualStartDate", enquiry.started_on)
        xml.value("InitialCPCtarget", enquiry.icpc_target)
        xml.value("DateOfInitialCPC", enquiry.icpc_date)
        xml.value("ICPCnotRequired", enquiry.icpc_not_required)
        xml.close("Section47")
    xml.value("ReferralNFA", episode.referral_nfa)
    for cp_plan in episode.cp_plans:
        xml.open("ChildProtectionPlans")
        xml.value("CPPstartDate", cp_plan.started_on)
        xml.value("CPPendDate", cp_plan.ended_on)
        xml.value("InitialCategoryOfAbuse", cp_plan.initial_category)
        xml.value("LatestCategoryOfAbuse", cp_plan.latest_category)
        xml.value("NumberOfPreviousCPP", cp_plan.previous_plans)
        if cp_plan.reviews:
            xml.open("Reviews")
            for held_on in cp_plan.reviews:
                xml.value("CPPreviewDate", held_on)
            xml.close("Reviews")
        xml.close("ChildProtectionPlans")
    xml.close("CINdetails")


@dataclass
class CensusResult:
    children: int = 0
    children_with_errors: int = 0
    children_with_queries: int = 0


def census_write(year: int, out, *, made_at: datetime | None = None, progress=None) -> CensusResult:
    """Write the year's return to `out` (a binary file) as it is read, and count the children
    and those whose records would fail or query the DfE's rules. `progress(done)` is called
    after each chunk."""
    period = CensusYear(year)
    xml = _Xml(out)
    xml.gen.startDocument()
    xml.open("Message")
    _header(xml, period, made_at or timezone.now())
    xml.open("Children")
    result = CensusResult()
    for child in census_children(year):
        _child(xml, child, period)
        result.children += 1
        severities = {problem.severity for problem in census_problems(child, period)}
        result.children_with_errors += "ERROR" in severities
        result.children_with_queries += "QUERY" in severities
        if progress and result.children % CHUNK == 0:
            progress(result.children)
    xml.close("Children")
    xml.close("Message")
    xml.gen.endDocument()
    return result


# --- what the DfE's rules would say -----------------------------------------------------------


def census_problems(child: CensusChild, period: CensusYear) -> list[Problem]:
    """What in this child's return would fail (ERROR) or query (QUERY) the DfE's validation
    rules, each with the page where it is put right. Includes the rules the public validator
    misses (docs/census.md)."""
    person = child.person
    ref = period.reference_date
    # Timeliness is judged as of today while the year is still running.
    as_at = min(ref, timezone.localdate())
    person_page = reverse("cases:person-detail", args=[person.pk])
    problems: list[Problem] = []

    def add(rule, severity, message, url=person_page):
        problems.append(Problem(rule, severity, message, url))

    born = person.kind != PersonKind.UNBORN
    if born and person.date_of_birth is None:
        add("8525Q", "QUERY", "No date of birth is recorded.")
    if not born and person.expected_date_of_birth is None:
        add("8525Q", "QUERY", "No expected date of birth is recorded for an unborn child.")
    elif not born and person.expected_date_of_birth < as_at - timedelta(days=30):
        add("8530Q", "QUERY", "The expected date of birth has passed: record the baby's birth.")
    any_not_nfa = any(not episode.referral_nfa for episode in child.episodes)
    if born and any_not_nfa and not person.disabilities:
        add("8540", "ERROR", "Disabilities are not recorded: tick 'No disability' if the child has none.")
    if born and person.sex == Sex.UNKNOWN:
        add("2886Q", "QUERY", "The child's sex is recorded as not known.")
    school_age = bool(
        born and person.date_of_birth and person.date_of_birth < date(ref.year - 4, ref.month, ref.day)
    )
    if school_age and any_not_nfa and not person.upn and person.upn_unknown_reason in ("", "UN1"):
        add("8770Q", "QUERY", "A child aged 4 or over needs a UPN, or the reason it is not known (not UN1).")
    open_episodes = [episode for episode in child.episodes if episode.closure_date is None]
    if len([e for e in open_episodes if not e.referral_nfa]) > 1:
        add("8815", "ERROR", "The child has more than one open child in need episode (merged records?).")
    ordered = sorted(child.episodes, key=lambda episode: episode.referral_date)
    for earlier, later in pairwise(ordered):
        if earlier.closure_date is None or later.referral_date < earlier.closure_date:
            add(
                "8820",
                "ERROR",
                f"Episodes overlap: the referral of {later.referral_date:%d %b %Y} falls in another.",
            )
    for episode in child.episodes:
        case_page = reverse("pathways:decision", args=[episode.case_id])
        where = f"the episode referred on {episode.referral_date:%d %b %Y}"
        if not episode.referral_source:
            add("8866", "ERROR", f"No referral source for {where}.", case_page)
        if not episode.primary_need and not episode.referral_nfa:
            add("8610", "ERROR", f"No primary need for {where}.", case_page)
        for assessment in episode.assessments:
            if assessment.started_on < episode.referral_date:
                add("1103", "ERROR", f"An assessment starts before the referral in {where}.", case_page)
            if assessment.authorised_on and any(f not in ASSESSMENT_FACTORS for f in assessment.factors):
                add("8945Q", "QUERY", f"An assessment uses a withdrawn factor code in {where}.", case_page)
            if assessment.authorised_on is None:
                if episode.closure_date:
                    add(
                        "8867",
                        "ERROR",
                        f"{where.capitalize()} closed with its assessment not authorised.",
                        case_page,
                    )
                elif working_days_after(assessment.started_on, 45) < as_at:
                    add("8670Q", "QUERY", f"An assessment open over 45 working days in {where}.", case_page)
        for enquiry in episode.section47s:
            if enquiry.icpc_date and enquiry.icpc_date.weekday() >= 5:
                add("8875", "ERROR", f"An ICPC is dated on a weekend in {where}.", case_page)
            if enquiry.icpc_date is None and not enquiry.icpc_not_required:
                if episode.closure_date:
                    add(
                        "8868",
                        "ERROR",
                        f"A section 47 enquiry in {where} has neither an ICPC nor 'ICPC not required'.",
                        case_page,
                    )
                elif working_days_after(enquiry.started_on, 15) < as_at:
                    add(
                        "8675Q",
                        "QUERY",
                        f"A section 47 enquiry open over 15 working days in {where}.",
                        case_page,
                    )
        icpc_dates = {enquiry.icpc_date for enquiry in episode.section47s if enquiry.icpc_date}
        for cp_plan in episode.cp_plans:
            if cp_plan.started_on >= period.start and cp_plan.started_on not in icpc_dates:
                add(
                    "2885",
                    "ERROR",
                    f"A child protection plan does not start on an ICPC date in {where}.",
                    case_page,
                )
        if episode.closure_reason in ("RC8", "RC9") and (
            episode.cin_plans or episode.section47s or episode.cp_plans
        ):
            add(
                "2990",
                "ERROR",
                f"{where.capitalize()} closed with RC8 or RC9 after a plan or s47.",
                case_page,
            )
    return problems


def census_years_available(today: date | None = None) -> list[int]:
    """The census years a user may ask for: the current one and the five before it."""
    today = today or timezone.localdate()
    current = today.year + 1 if today >= date(today.year, 4, 1) else today.year
    return list(range(current, current - 6, -1))
