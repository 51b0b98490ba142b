"""The demo authority's history from 1 April 2024 to today, written through the services on the days
it happened (time-machine moves the clock), so the 2025/26 and 2026/27 census returns and Annex A
hold every element: referrals, assessments with factors, CIN plans, s47 enquiries with and without
an ICPC, CP plans with reviews and a change of category, closures for each common reason (RC7, RC8,
RC9 by a step-down to a single agency), a
step-down after a CP plan, re-referrals within 12 months, an unborn child, a child who moved between
two families and a merged duplicate. Every family is invented."""

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from faker import Faker

from accounts.choices import Role
from cases import services
from cases.choices import AllocationRole, Disability, FamilyRole, PersonKind, RelationshipKind, Sex
from cases.models import Case, Family, Person
from pathways.choices import Outcome
from pathways.codes import ASSESSMENT_FACTORS, AbuseCategory, PrimaryNeed, ReferralSource
from pathways.models import CpPlan, Plan
from pathways.selectors import icpc_awaiting
from pathways.services import (
    ConferenceDecision,
    DecisionDetails,
    assessment_authorise,
    cp_plan_category_change,
    cp_plan_end,
    decision_record,
    icpc_record,
    plan_review_record,
    plan_start,
    s47_outcome_record,
)
from stepdown.services import StepDownDetails, consent_record, stepdown_approve, stepdown_propose

HISTORY_STARTS = date(2024, 4, 1)
ETHNICITIES = ["WBRI"] * 6 + ["WOTH", "MWBC", "MWBA", "AIND", "APKN", "BAFR", "BCRB", "CHNE", "OOTH", "WIRT"]
DISABILITIES = [[Disability.NONE]] * 12 + [
    [Disability.LD],
    [Disability.AUT],
    [Disability.COMM, Disability.BEH],
    [Disability.HEAR],
    [Disability.MOB, Disability.PC],
    [Disability.VIS],
    [Disability.DDA],
    [Disability.CON],
    [Disability.HAND],
    [Disability.INC],
]
FACTORS = [code for code in ASSESSMENT_FACTORS if code != "21"]
SOURCES = [ReferralSource.SCHOOL] * 4 + [
    ReferralSource.POLICE,
    ReferralSource.POLICE,
    ReferralSource.HEALTH_VISITOR,
    ReferralSource.GP,
    ReferralSource.A_AND_E,
    ReferralSource.FAMILY,
    ReferralSource.SELF,
    ReferralSource.HOUSING,
    ReferralSource.EARLY_HELP,
    ReferralSource.LA_EXTERNAL,
    ReferralSource.ANONYMOUS,
]
NEEDS = [PrimaryNeed.N1] * 5 + [
    PrimaryNeed.N4,
    PrimaryNeed.N5,
    PrimaryNeed.N2,
    PrimaryNeed.N3,
    PrimaryNeed.N6,
]


class Stop(Exception):
    """The story has reached today: the case stays as it is."""


@dataclass
class Story:
    """One family's history, told a day at a time."""

    rng: random.Random
    users: dict
    case: Case
    day: date
    today: date
    log: list = field(default_factory=list)

    def after(self, low: int, high: int) -> date:
        """Move on a few days, to a weekday; stop at today."""
        day = self.day + timedelta(days=self.rng.randint(low, high))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        if day >= self.today:
            raise Stop
        self.day = day
        return day

    def on(self, action: Callable, *args, **kwargs):
        moment = datetime.combine(self.day, datetime.min.time()).replace(hour=11)
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            self.case.refresh_from_db()
            return action(*args, **kwargs)

    @property
    def worker(self):
        """The case's social worker (its key worker), who records its decisions, plans and reviews."""
        return self.case.key_worker or self.users["social.worker"]

    def decide(self, by: str, outcome: str, **extra) -> None:
        extra.setdefault("rationale", "Recorded in the demo history.")
        if outcome == Outcome.PATHWAY_4:
            extra.setdefault("lawful_basis", "Risk of significant harm: s47 enquiry.")
        self.on(
            lambda: decision_record(
                case=self.case,
                by=self.worker if by == "social.worker" else self.users[by],
                details=DecisionDetails(outcome=outcome, **extra),
            )
        )

    def refer(self, pathway: int) -> None:
        outcome = Outcome.PATHWAY_4 if pathway == 4 else Outcome.PATHWAY_3
        self.decide(
            "ecpp" if pathway == 4 else "social.worker",
            outcome,
            referral_source=self.rng.choice(SOURCES),
            primary_need=self.rng.choice(NEEDS),
        )

    def authorise(self, *, nothing_found: bool = False) -> None:
        factors = ["21"] if nothing_found else self.rng.sample(FACTORS, self.rng.randint(1, 3))
        self.on(lambda: assessment_authorise(case=self.case, by=self.users["team.manager"], factors=factors))

    def plan(self) -> None:
        self.on(lambda: plan_start(case=self.case, by=self.worker))

    def review(self) -> None:
        plan = Plan.objects.get(case=self.case)
        self.on(
            lambda: plan_review_record(
                plan=plan,
                by=self.worker,
                held_on=self.day,
                notes="Reviewed with the family and the agencies working with them.",
                late_reason="Demo history: held when the family could attend.",
            )
        )

    def s47(self, hold: bool) -> None:
        outcome = "hold_icpc" if hold else self.rng.choice(["continue_cin", "nfa"])
        self.on(
            lambda: s47_outcome_record(
                case=self.case, by=self.users["ecpp"], outcome=outcome, rationale="The enquiry's findings."
            )
        )

    def icpc(self) -> list[Person]:
        """Each child decided separately: the eldest always on a plan, siblings mostly."""
        waiting = [enquiry.episode.child for enquiry in icpc_awaiting(self.case)]
        decided = []
        on_plans = []
        for index, child in enumerate(waiting):
            on_plan = index == 0 or self.rng.random() < 0.7
            category = self.rng.choice(AbuseCategory.values) if on_plan else ""
            decided.append(ConferenceDecision(child.pk, on_plan, category))
            if on_plan:
                on_plans.append(child)
        self.on(
            lambda: icpc_record(
                case=self.case,
                by=self.users["ecpp"],
                held_on=self.day,
                children=decided,
                late_reason="Demo history: the conference date the family could attend.",
            )
        )
        return on_plans

    def change_category(self) -> None:
        cp_plan = CpPlan.objects.filter(episode__case=self.case, ended_on__isnull=True).first()
        if cp_plan is None:
            return
        new = self.rng.choice([c for c in AbuseCategory.values if c != cp_plan.latest_category])
        self.on(lambda: cp_plan_category_change(cp_plan=cp_plan, by=self.users["ecpp"], category=new))

    def end_one_plan(self) -> None:
        cp_plan = (
            CpPlan.objects.filter(episode__case=self.case, ended_on__isnull=True).order_by("-pk").first()
        )
        if cp_plan is None:
            return
        self.on(
            lambda: cp_plan_end(
                cp_plan=cp_plan, by=self.users["ecpp"], on=self.day, rationale="Risks reduced for this child."
            )
        )

    def close(self, by: str = "social.worker", outcome: str = Outcome.CLOSE, reason: str = "") -> None:
        self.decide(by, outcome, closure_reason=reason)


def _weekday_between(rng: random.Random, start: date, end: date) -> date:
    day = start + timedelta(days=rng.randint(0, max((end - start).days, 0)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class History:
    def __init__(self, *, users, teams, seed: int, upn: Callable[[random.Random], str]):
        self.users = users
        self.teams = teams
        self.rng = random.Random(seed)
        self.fake = Faker("en_GB")
        self.fake.seed_instance(seed)
        self.today = timezone.localdate()
        self.upn = upn
        self.children = 0
        self.social_workers = {
            team.pk: {
                user.pk
                for user in users.values()
                if user.groups.filter(name=Role.SOCIAL_WORKER).exists()
                and user.teams.filter(pk=team.pk).exists()
            }
            for team in teams.values()
        }

    def _travel(self, day: date):
        moment = datetime.combine(day, datetime.min.time()).replace(hour=10)
        return time_machine.travel(timezone.make_aware(moment), tick=False)

    def _child(
        self, family: Family, last: str, on: date, *, unborn: bool = False, oldest: int = 16
    ) -> Person:
        """A child of the family, at most `oldest` years old on `on` (so never older than their
        parent could have had them)."""
        by = self.users["mash.manager"]
        if unborn:
            child = services.person_create(
                by=by, kind=PersonKind.UNBORN, last_name=last, expected_date_of_birth=on + timedelta(days=150)
            )
        else:
            sex = self.rng.choice([Sex.FEMALE, Sex.MALE])
            first = self.fake.first_name_female() if sex == Sex.FEMALE else self.fake.first_name_male()
            born = on - timedelta(days=self.rng.randint(200, max(oldest, 1) * 365))
            child = services.person_create(
                by=by, kind=PersonKind.CHILD, first_name=first, last_name=last, sex=sex, date_of_birth=born
            )
            self._details(child)
        services.family_member_add(family=family, person=child, role=FamilyRole.CHILD, by=by)
        self.children += 1
        return child

    def _details(self, child: Person) -> None:
        school_age = child.date_of_birth and child.date_of_birth < self.today - timedelta(days=4 * 365)
        upn, reason = "", ""
        if school_age and self.rng.random() < 0.85:
            upn = self.upn(self.rng)
        else:
            reason = "UN2" if school_age else "UN1"
        for _ in range(5):
            try:
                services.person_details_record(
                    person=child,
                    by=self.users["social.worker"],
                    sex=child.sex,
                    ethnicity=self.rng.choice(ETHNICITIES),
                    disabilities=self.rng.choice(DISABILITIES),
                    upn=upn,
                    upn_unknown_reason=reason,
                )
                return
            except ValidationError:  # a clashing random UPN: draw again
                upn = self.upn(self.rng)

    def family(
        self, on: date, *, size: int | None = None, unborn: bool = False
    ) -> tuple[Family, list[Person]]:
        by = self.users["mash.manager"]
        last = self.fake.last_name()
        parent_age = self.rng.randint(20, 45)
        with self._travel(on):
            family = services.family_create(by=by, name=f"{last} family")
            parent = services.person_create(
                by=by,
                kind=PersonKind.ADULT,
                first_name=self.fake.first_name_female(),
                last_name=last,
                sex=Sex.FEMALE,
                date_of_birth=on - timedelta(days=parent_age * 365),
            )
            services.family_member_add(family=family, person=parent, role=FamilyRole.PARENT_CARER, by=by)
            oldest = min(16, parent_age - 17)  # a mother at least 17 when her eldest was born
            children = [
                self._child(family, last, on, oldest=oldest)
                for _ in range(size or self.rng.choice([1, 1, 2, 2, 3]))
            ]
            if unborn:
                children.append(self._child(family, last, on, unborn=True))
            for child in children:
                services.relationship_record(
                    family=family,
                    person=parent,
                    relative=child,
                    kind=RelationshipKind.MOTHER,
                    has_parental_responsibility=True,
                    by=by,
                )
        return family, children

    def case(self, family: Family, on: date, pathway: int = 2) -> Case:
        north = self.rng.random() < 0.6
        team = self.teams["Family Help Team North" if north else "Family Help Team South"]
        # Each team's social workers share its cases (a caseload each, not one worker holding all).
        workers = [user for user in self.users.values() if user.pk in self.social_workers[team.pk]]
        with self._travel(on):
            case = services.case_open(
                family=family, team=team, pathway=pathway, by=self.users["mash.manager"]
            )
            services.case_allocate(
                case=case,
                user=self.rng.choice(workers),
                role=AllocationRole.KEY_WORKER,
                by=self.users["team.manager"],
            )
        return case

    def story(self, case: Case, on: date) -> Story:
        return Story(rng=self.rng, users=self.users, case=case, day=on, today=self.today)

    # --- the kinds of story ---------------------------------------------------------------------

    def assessed_and_closed(self, story: Story) -> None:
        """Referred, assessed, nothing more needed: closed straight after assessment (RC8)."""
        story.refer(3)
        story.after(15, 40)
        nothing_found = story.rng.random() < 0.5
        story.authorise(nothing_found=nothing_found)
        if not nothing_found:  # no factors found: closed the day it is authorised (DfE query 8873Q)
            story.after(1, 10)
        story.close(outcome=Outcome.NFA, reason="RC8")

    def stepped_down_after_assessment(self, story: Story) -> None:
        """Referred and assessed; with the parent's consent, a referral to the child's school as a
        single agency, approved by the team manager: closed to early help (RC9)."""
        story.refer(3)
        story.after(15, 40)
        story.authorise()
        story.after(1, 7)
        case = story.case
        school = story.users["school.dsl"].agency
        parent = case.family.memberships.get(role=FamilyRole.PARENT_CARER).person
        consent = story.on(
            lambda: consent_record(
                family=case.family,
                by=story.worker,
                given_by=parent,
                method="written",
                recorded_where="Signed consent form (demo history)",
                given_on=story.day,
                referral_agency=school,
            )
        )
        step_down = story.on(
            lambda: stepdown_propose(
                case=case,
                by=story.worker,
                details=StepDownDetails(
                    route="single_agency",
                    rationale="The assessment found needs the school can meet with the family.",
                    needs="Attendance and support at home with routines.",
                    consent=consent,
                    receiving_agency=school,
                ),
            )
        )
        story.after(1, 2)
        story.on(lambda: stepdown_approve(step_down=step_down, by=story.users["team.manager"]))

    def child_in_need(self, story: Story) -> None:
        """Referred, a CIN plan, reviews, closed when no longer needed (RC7) or still open."""
        story.refer(3)
        story.after(5, 20)
        story.plan()
        story.after(10, 30)
        story.authorise()
        for _ in range(story.rng.randint(1, 3)):
            story.after(70, 95)
            story.review()
        story.after(10, 60)
        story.close(reason="RC7")

    def enquiry_without_conference(self, story: Story) -> None:
        """Straight to pathway 4; the s47 finds no need for a conference; support as a child in
        need; later closed."""
        story.refer(4)
        story.after(5, 14)
        story.s47(hold=False)
        story.after(1, 5)
        story.decide("ecpp", Outcome.PATHWAY_3)
        story.after(3, 15)
        story.authorise()
        story.after(3, 20)
        story.plan()
        story.after(80, 200)
        story.close(reason="RC7")

    def child_protection(self, story: Story) -> None:
        """s47, ICPC, CP plans with reviews and a change of category, one plan ended at a review,
        then a step down to pathway 3 and a CIN plan (a step-down after a CP plan), then closure
        with RC7."""
        story.refer(4)
        story.after(3, 10)
        story.plan()
        story.after(2, 5)
        story.s47(hold=True)
        story.after(2, 8)
        story.icpc()
        story.after(10, 25)
        story.authorise()
        story.after(80, 95)
        story.review()
        if story.rng.random() < 0.5:
            story.after(1, 5)
            story.change_category()
        story.after(150, 185)
        story.review()
        if story.rng.random() < 0.4:
            story.after(1, 3)
            story.end_one_plan()
        story.after(60, 120)
        story.decide("ecpp", Outcome.PATHWAY_3)
        story.after(60, 150)
        story.close(reason="RC7")

    def run(self, children: int, *, stdout=None) -> int:
        """Families with histories until `children` children have had an episode."""
        kinds = (
            [self.assessed_and_closed] * 2 + [self.stepped_down_after_assessment] + [self.child_in_need] * 4
        )
        kinds += [self.enquiry_without_conference] * 2 + [self.child_protection] * 3
        latest = self.today - timedelta(days=20)
        index = 0
        while self.children < children:
            on = _weekday_between(self.rng, HISTORY_STARTS, latest)
            family, kids = self.family(on - timedelta(days=10))
            case = self.case(family, on - timedelta(days=10), pathway=self.rng.choice([1, 2, 2]))
            kind = kinds[index % len(kinds)]
            story = self.story(case, on)
            with contextlib.suppress(Stop):
                kind(story)
            if index % 50 == 11:
                self._moved(kids, story)
            elif index % 9 == 4:  # (a child who moved away is not in their first family's next referral)
                self._re_refer(family, story)
            if index % 60 == 23:
                self._duplicate(kids[0], story)
            index += 1
            if stdout and index % 50 == 0:
                stdout.write(f"  history: {index} families, {self.children} children")
        self._unborn()
        return index + 1

    def _unborn(self) -> None:
        """A pregnant mother's family referred a month ago, an older sibling with them."""
        on = _weekday_between(self.rng, self.today - timedelta(days=40), self.today - timedelta(days=30))
        family, _ = self.family(on - timedelta(days=5), size=1, unborn=True)
        story = self.story(self.case(family, on - timedelta(days=5)), on)
        try:
            story.refer(3)
            story.after(5, 10)
            story.plan()
        except Stop:
            pass

    def _re_refer(self, family: Family, story: Story) -> None:
        """Referred again within 12 months of the case closing."""
        case = Case.objects.filter(family=family).order_by("-pk").first()
        if case.is_open or case.closed_at is None:
            return
        on = timezone.localdate(case.closed_at) + timedelta(days=story.rng.randint(40, 250))
        if on >= self.today - timedelta(days=5):
            return
        again = self.story(self.case(family, on, pathway=2), on)
        with contextlib.suppress(Stop):
            self.assessed_and_closed(again)

    def _moved(self, kids: list[Person], story: Story) -> None:
        """A child goes to live with their aunt's family, which is then referred."""
        child = kids[0]
        on = story.day + timedelta(days=30)
        if on >= self.today - timedelta(days=60):
            return
        family, _ = self.family(on, size=1)
        with self._travel(on):
            services.family_member_add(
                family=family, person=child, role=FamilyRole.CHILD, by=self.users["mash.manager"]
            )
        case = self.case(family, on)
        with contextlib.suppress(Stop):
            self.child_in_need(self.story(case, on + timedelta(days=3)))

    def _duplicate(self, child: Person, story: Story) -> None:
        """A second record of the same child, made at the front door of another authority's
        transfer and later found and merged into the first."""
        if child.kind != PersonKind.CHILD:
            return
        with self._travel(story.day):
            duplicate = services.person_create(
                by=self.users["mash.manager"],
                kind=PersonKind.CHILD,
                first_name=child.first_name,
                last_name=child.last_name,
                sex=child.sex,
                date_of_birth=child.date_of_birth,
            )
            services.person_merge(
                duplicate=duplicate,
                keep=child,
                reason="Same name and date of birth; school confirmed (demo history).",
                by=self.users["mash.manager"],
            )
