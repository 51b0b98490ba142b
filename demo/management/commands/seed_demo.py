"""Create a synthetic demo local authority: agencies, teams, one login per role, ~50 families
across the four pathways. Everything is invented. Safe to run again: it tops up, never doubles."""

import contextlib
import itertools
import random
from datetime import date, datetime, timedelta

import nhs_number
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.choices import AgencyKind, Role, TeamKind
from accounts.models import Agency, Team, User
from accounts.services import user_create
from assessments.choices import ScaledBy, Section
from assessments.models import ThresholdIndicator
from assessments.services import contribution_add, conversation_record
from audit.services import restriction_mark
from cases import services
from cases.choices import (
    AllocationRole,
    ChronologyKind,
    ClosureReason,
    Disability,
    FamilyRole,
    Pathway,
    PersonKind,
    RelationshipKind,
    RestrictionCategory,
    Sex,
)
from cases.models import Case, Family, FamilyMember, FeedbackInvitation, Person, Relationship, Restriction
from cases.validators import upn_check_letter
from demo.drift import seed_drift
from demo.fgc import fgc_seeded, seed_fgc
from demo.management.commands._census_history import History
from demo.signs_of_safety import seed_signs_of_safety, signs_of_safety_seeded
from demo.supervision import seed_supervisions
from disagreements.models import Disagreement, LadderContact
from disagreements.services import disagreement_escalate, disagreement_raise_on_contact
from pathways.choices import Outcome
from pathways.codes import ReferralSource
from pathways.models import CinEpisode, Supervision
from pathways.services import (
    DecisionDetails,
    assessment_authorise,
    decision_confirm,
    decision_propose,
    decision_record,
    decision_return,
    plan_action_add,
    plan_outcome_add,
    plan_start,
)
from referrals.models import Contact
from referrals.services import (
    SubjectDetails,
    TriageDetails,
    contact_feedback_send,
    contact_receive,
    contact_subject_link,
    contact_triage,
)
from stepdown.models import AuditSampleItem, ReviewSet, StepDown
from stepdown.services import (
    StepDownDetails,
    audit_finding_record,
    audit_sample_draw,
    consent_record,
    stepdown_approve,
    stepdown_propose,
)

LA = "Continuum demo council children's services"
# Children the history since 1 April 2024 gives a CIN episode: each of the 2025/26 and 2026/27
# census returns then holds over 300 (seed_demo --children N scales it).
HISTORY_CHILDREN = 700
FAMILY_COUNT = 50
# How many of the demo families sit at each pathway (and how many closed episodes).
PATHWAY_MIX = [
    (Pathway.ADVICE, 9),
    (Pathway.FAMILY_HELP, 18),
    (Pathway.REDUCE_RISK, 12),
    (Pathway.PREVENT_HARM, 8),
]
CLOSED = 3
# Where the demo's pathway 3 and 4 referrals came from (census codes).
STEP_UP_SOURCES = [
    ReferralSource.SCHOOL,
    ReferralSource.POLICE,
    ReferralSource.HEALTH_VISITOR,
    ReferralSource.GP,
]

# Signed in once with single sign-on and has no role yet: no password, so not a demo login.
NEW_STARTER = "new.starter"
DEMO_USERS = [
    # username, first, last, role, agency, team, job title
    (
        "fh.worker",
        "Femi",
        "Harper",
        Role.FAMILY_HELP_WORKER,
        LA,
        "Family Help Team North",
        "Family support worker",
    ),
    (
        "social.worker",
        "Sam",
        "Walker",
        Role.SOCIAL_WORKER,
        LA,
        "Family Help Team North",
        "Social worker",
    ),
    (
        "ecpp",
        "Eve",
        "Pritchard",
        Role.ECPP,
        LA,
        "Expert Child Protection Practitioners",
        "Expert CP practitioner",
    ),
    ("mash.manager", "Maya", "Ashworth", Role.MASH_MANAGER, LA, "MASH", "MASH manager"),
    (
        "team.manager",
        "Tom",
        "Manning",
        Role.TEAM_MANAGER,
        LA,
        "Family Help Team North",
        "Team manager",
    ),
    (
        "ehh.manager",
        "Esi",
        "Hughes",
        Role.TEAM_MANAGER,
        LA,
        "Early Help Hub",
        "Early Help Hub manager",
    ),
    (
        "school.dsl",
        "Sadia",
        "Dhillon",
        Role.PARTNER_PRACTITIONER,
        "Riverside Primary School",
        "Riverside Primary safeguarding",
        "Designated safeguarding lead",
    ),
    (
        "auditor",
        "Aled",
        "Auden",
        Role.AUDITOR,
        LA,
        "Quality Assurance",
        "Quality assurance auditor",
    ),
    ("admin", "Ada", "Minton", Role.ADMINISTRATOR, LA, "Systems", "System administrator"),
    # Colleagues so the demo teams are not one person deep.
    (
        "fh.worker.south",
        "Jo",
        "Okafor",
        Role.FAMILY_HELP_WORKER,
        LA,
        "Family Help Team South",
        "Family support worker",
    ),
    (
        "social.worker.south",
        "Priya",
        "Nair",
        Role.SOCIAL_WORKER,
        LA,
        "Family Help Team South",
        "Social worker",
    ),
    (
        "health.visitor",
        "Holly",
        "Vance",
        Role.PARTNER_PRACTITIONER,
        "City Health Visiting Service",
        "Health visiting",
        "Health visitor",
    ),
    # The senior rungs of the disagreement ladder (escalation.LadderContact).
    ("service.manager", "Sunil", "Mehta", Role.TEAM_MANAGER, LA, "MASH", "Service manager"),
    ("head.of.service", "Helen", "Osei", Role.HEAD_OF_SERVICE, LA, "Quality Assurance", "Head of service"),
    ("director", "David", "Carr", Role.TEAM_MANAGER, LA, "MASH", "Director of children's services"),
    (
        "fgc.coordinator",
        "Farah",
        "Gill",
        Role.FGC_COORDINATOR,
        LA,
        "Family Group Conference Service",
        "Family group conference coordinator",
    ),
    # More social workers, so that each holds a caseload a practitioner would believe.
    ("social.worker.3", "Tomasz", "Nowak", Role.SOCIAL_WORKER, LA, "Family Help Team North", "Social worker"),
    ("social.worker.4", "Grace", "Mensah", Role.SOCIAL_WORKER, LA, "Family Help Team North", "Social worker"),
    (
        "social.worker.south.3",
        "Aisha",
        "Rahman",
        Role.SOCIAL_WORKER,
        LA,
        "Family Help Team South",
        "Social worker",
    ),
    (
        "social.worker.2",
        "Ngozi",
        "Adeyemi",
        Role.SOCIAL_WORKER,
        LA,
        "Family Help Team North",
        "Social worker",
    ),
    (
        "social.worker.south.2",
        "Callum",
        "Reid",
        Role.SOCIAL_WORKER,
        LA,
        "Family Help Team South",
        "Social worker",
    ),
    (
        "head.teacher",
        "Hannah",
        "Price",
        Role.PARTNER_PRACTITIONER,
        "Riverside Primary School",
        "Riverside Primary safeguarding",
        "Head teacher",
    ),
]
AGENCIES = [
    (LA, AgencyKind.LA_CHILDRENS_SERVICES),
    ("Riverside Primary School", AgencyKind.SCHOOL),
    ("Northfield Academy", AgencyKind.SCHOOL),
    ("City Health Visiting Service", AgencyKind.HEALTH),
    ("Demo Constabulary", AgencyKind.POLICE),
    ("Demo Homes Housing Association", AgencyKind.HOUSING),
    ("Family Matters (voluntary sector)", AgencyKind.VOLUNTARY),
]
TEAMS = [
    ("Family Help Team North", LA, TeamKind.FAMILY_HELP),
    ("Family Help Team South", LA, TeamKind.FAMILY_HELP),
    ("MASH", LA, TeamKind.MASH),
    ("Early Help Hub", LA, TeamKind.EARLY_HELP_HUB),
    ("Expert Child Protection Practitioners", LA, TeamKind.CHILD_PROTECTION),
    ("Quality Assurance", LA, TeamKind.QUALITY_ASSURANCE),
    ("Family Group Conference Service", LA, TeamKind.FAMILY_GROUP_CONFERENCE),
    ("Systems", LA, TeamKind.ADMINISTRATION),
    ("Riverside Primary safeguarding", "Riverside Primary School", TeamKind.PARTNER),
    ("Health visiting", "City Health Visiting Service", TeamKind.PARTNER),
]
NOTES = [
    (
        ChronologyKind.HOME_VISIT,
        "Home visit: children seen together, home warm and tidy",
        "Talked with mum about the morning routine; agreed to try the new plan for a fortnight.",
    ),
    (
        ChronologyKind.CONVERSATION,
        "Conversation with dad about what is working well",
        "Dad said bedtimes are calmer since the family support sessions started.",
    ),
    (
        ChronologyKind.SCHOOL_CONTACT,
        "School reports attendance has improved to 92%",
        "DSL says the eldest is settling in class and has joined an after-school club.",
    ),
    (
        ChronologyKind.HEALTH_CONTACT,
        "Health visitor development check completed",
        "Growth and development on track; reminded parents about the immunisation appointment.",
    ),
    (
        ChronologyKind.PHONE_CALL,
        "Phone call from mum asking for help with housing",
        "Gave details of the housing options team and agreed to chase the repair request.",
    ),
    (
        ChronologyKind.MEETING,
        "Team around the family meeting held",
        "School, health visitor and family help worker attended; plan reviewed and actions agreed.",
    ),
    (
        ChronologyKind.POLICE_INCIDENT,
        "Police attended a verbal argument at the home",
        "No injuries; children were asleep upstairs. Notification shared with the MASH.",
    ),
    (
        ChronologyKind.NOTE,
        "Case note: family's view recorded",
        "The family want support with routines and money worries; "
        "they do not want the children to change school.",
    ),
]


# Families' feedback on closed cases: at most this many, with things families say.
MAX_FEEDBACK = 80
FEEDBACK_COMMENTS = [
    "",
    "",
    "Jo listened and did what she said she would.",
    "It took a while to get going but the breakfast club made a big difference.",
    "I felt judged at the first meeting but it got better.",
    "The family meetings helped us talk to each other again.",
    "I wish we had asked for help sooner.",
    "Too many different workers: we had to tell our story again.",
]
# How long ago (days) an open case at each pathway opened: advice is short, family help and above
# run longer. Each case opens on a day of its own.
CASE_AGE_DAYS = {
    Pathway.ADVICE: (10, 90),
    Pathway.FAMILY_HELP: (30, 540),
    Pathway.REDUCE_RISK: (90, 720),
    Pathway.PREVENT_HARM: (60, 600),
}
SOCIAL_WORKERS = {
    "north": ["social.worker", "social.worker.2", "social.worker.3", "social.worker.4"],
    "south": ["social.worker.south", "social.worker.south.2", "social.worker.south.3"],
}


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _on(day: date, hour: int):
    """Do what follows as if it were that day (at that hour): the services date it so."""
    moment = datetime.combine(day, datetime.min.time()).replace(hour=hour)
    return time_machine.travel(timezone.make_aware(moment), tick=False)


def _years(person) -> int:
    born = person.date_of_birth
    if born is None:
        return -1
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class Command(BaseCommand):
    help = "Create a synthetic demo local authority with one login per role (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--children",
            type=int,
            default=HISTORY_CHILDREN,
            help="how many children the history since April 2024 gives a CIN episode (0: none)",
        )

    def handle(self, *args, children: int = HISTORY_CHILDREN, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo makes logins with a published password, so it runs only when DEBUG is on."
            )
        call_command("load_thresholds", stdout=self.stdout)
        with transaction.atomic():
            _agencies, teams, users = self.organisation()
            # Decided before the families are added: their pathway 3 and 4 decisions open episodes too.
            history_wanted = children > 0 and not CinEpisode.objects.exists()
            existing = Family.objects.filter(created_by=users["mash.manager"]).count()
            if existing >= FAMILY_COUNT:
                self.stdout.write(f"Demo families already present ({existing}): none added.")
            else:
                self._families(FAMILY_COUNT - existing, users, teams, seed=existing)
                self.stdout.write(f"Added {FAMILY_COUNT - existing} demo families.")
            if not Contact.objects.exists():
                self._contacts(users, teams)
            if not Restriction.objects.exists():
                self._restriction(users)
            if not StepDown.objects.filter(case__isnull=False).exists():
                self._step_down(users, teams)
                self._waits(users, teams)
                self._handed_over(users)
            if history_wanted:
                history = History(users=users, teams=teams, seed=2024, upn=self._upn)
                families = history.run(children, stdout=self.stdout)
                self.stdout.write(
                    f"Wrote the history since April 2024: {families} families, {history.children} children "
                    "(python manage.py cin_census --year 2026 --output cin.xml makes that year's return)."
                )
            if not FeedbackInvitation.objects.exists():
                self._feedback(users)
            if not Supervision.objects.exists():
                seed_supervisions(users, teams)
            if not signs_of_safety_seeded():
                seed_signs_of_safety(users, teams)
            if not fgc_seeded():
                seed_fgc(users, teams)
            if not ReviewSet.objects.exists():
                seed_drift(users, teams)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo logins (password from DEMO_PASSWORD): {', '.join(u[0] for u in DEMO_USERS[:9])}"
            )
        )

    def organisation(self) -> tuple[dict, dict, dict]:
        """The demo authority's agencies, teams and logins (by name), made or brought up to date;
        seed_county builds its county on the same ones."""
        agencies = {
            name: Agency.objects.update_or_create(name=name, defaults={"kind": kind})[0]
            for name, kind in AGENCIES
        }
        teams = {
            name: Team.objects.update_or_create(name=name, agency=agencies[agency], defaults={"kind": kind})[
                0
            ]
            for name, agency, kind in TEAMS
        }
        users = {row[0]: self._user(row, agencies, teams) for row in DEMO_USERS}
        self._new_starter(agencies)
        Team.objects.filter(name__startswith="Family Help Team").update(manager=users["team.manager"])
        users["team.manager"].teams.add(teams["Family Help Team South"])
        for name in ("fh.worker", "social.worker"):
            users[name].line_manager = users["team.manager"]
            users[name].save(update_fields=["line_manager"])
        Team.objects.filter(kind=TeamKind.EARLY_HELP_HUB).update(manager=users["ehh.manager"])
        # The duty team manager answers at stage 2 of a disagreement about the front door.
        Team.objects.filter(kind=TeamKind.MASH).update(manager=users["team.manager"])
        users["school.dsl"].line_manager = users["head.teacher"]
        users["school.dsl"].save(update_fields=["line_manager"])
        for stage, username in ((4, "service.manager"), (5, "head.of.service"), (6, "director")):
            LadderContact.objects.update_or_create(
                agency=agencies[LA], stage=stage, defaults={"user": users[username]}
            )
        return agencies, teams, users

    def _step_down(self, users, teams) -> None:
        """One step-down waiting for the team manager: a pathway-3 family whose parent consented to
        early help, proposed by the family's social worker (route b, to the Early Help Hub)."""
        waiting = self._propose_step_down(users, teams, "Family Help Team North")
        if waiting:
            self.stdout.write(
                f"Step-down {waiting.reference} ({waiting.case.reference}) waits for team.manager's "
                "approval; ehh.manager then accepts it for the Early Help Hub."
            )

    def _waits(self, users, teams) -> None:
        """More of what waits on someone, each made by the service that starts the wait: a pathway 4
        proposal waiting for the ECPP it names, one the ECPP returned to the MASH manager, and a
        step-down waiting for the family's consent."""
        free = (
            Case.objects.filter(state="open", pathway=3, step_downs__isnull=True)
            .exclude(family__restrictions__isnull=False)
            .exclude(decisions__state="proposed")
            .order_by("-pk")
        )
        proposal = DecisionDetails(
            outcome=Outcome.PATHWAY_4,
            rationale="New police information: reasonable cause to suspect significant harm.",
            lawful_basis="Children Act 1989 s47: risk of significant harm.",
            ecpp=users["ecpp"],
        )
        first = free.filter(key_worker__isnull=False, team__name="Family Help Team North").first()
        if first is not None:
            decision_propose(case=first, by=first.key_worker, details=proposal)
        second = (
            free.filter(team__name="Family Help Team North").exclude(pk=getattr(first, "pk", None)).first()
        )
        if second is not None:
            returned = decision_propose(case=second, by=users["mash.manager"], details=proposal)
            decision_return(
                decision=returned,
                by=users["ecpp"],
                reason="The threshold for a strategy discussion is not met: ask the school what it knows.",
            )
        third = (
            free.filter(key_worker__isnull=False)
            .exclude(pk__in=[case.pk for case in (first, second) if case is not None])
            .first()
        )
        if third is not None:
            stepdown_propose(
                case=third,
                by=third.key_worker,
                details=StepDownDetails(
                    route="referral",
                    rationale="The family's needs can be met by early help.",
                    needs="Parenting support; a mentor for the eldest",
                    receiving_team=teams["Early Help Hub"],
                ),
            )

    def _handed_over(self, users) -> None:
        """Families stepped down from a child in need plan (route e) today, each to a partner named
        as lead professional at the CIN meeting, who now has the family to take up; this month's
        case-audit sample drawn, one finding recorded, the rest waiting for the auditor; and the
        school's disagreement climbed to the head of service, each rung not resolved in time."""
        on_plan = (
            Case.objects.filter(
                state="open", pathway=3, key_worker__isnull=False, plan__ended_on__isnull=True
            )
            .exclude(family__restrictions__isnull=False)
            .exclude(decisions__state="proposed")
            .exclude(step_downs__isnull=False)
            .distinct()
            .order_by("pk")
        )
        for lead, case in zip(
            ("school.dsl", "health.visitor", "head.teacher"), list(on_plan[:3]), strict=False
        ):
            lead = users[lead]
            worker = case.key_worker
            if not CinEpisode.objects.filter(case=case, assessments__authorised_on__isnull=False).exists():
                assessment_authorise(case=case, by=users["team.manager"], factors=["1B"])
            consent = self._consent(case, worker, share_with=[lead.agency])
            if consent is None:
                continue
            step_down = stepdown_propose(
                case=case,
                by=worker,
                details=StepDownDetails(
                    route="cin_plan",
                    rationale="The CIN plan's goals are met; what remains a universal service can lead.",
                    needs="School attendance; routines at home; a check-in with the family each month",
                    consent=consent,
                    lead_professional=lead,
                    cin_meeting_on=timezone.localdate(),
                    agreement="All agreed to step down to a team around the family, led by "
                    f"{lead.get_full_name()}.",
                ),
            )
            approver = next(
                user for user in (users["team.manager"], users["service.manager"]) if user != worker
            )
            stepdown_approve(step_down=step_down, by=approver)
        auditor = users["auditor"]
        month = timezone.localdate()
        with contextlib.suppress(ValidationError):  # nothing stepped down or up this month
            sample = audit_sample_draw(month=month, by=auditor, size=5)
            first = AuditSampleItem.objects.filter(sample=sample).order_by("pk").first()
            with contextlib.suppress(ValidationError):  # the auditor proposed or approved it
                audit_finding_record(
                    item=first,
                    by=auditor,
                    rating="good",
                    findings="The family's consent and the reasons are recorded; the plan went with them.",
                )
        disagreement = Disagreement.objects.filter(state="open", raised_by=users["school.dsl"]).first()
        if disagreement is not None:
            while disagreement.stage < 5:
                disagreement = disagreement_escalate(
                    disagreement=disagreement,
                    by=users["school.dsl"],
                    reason="She said it again today, and nobody has seen her yet.",
                )

    def _consent(self, case, worker, **purposes):
        """The parent's written consent to early help (and the `purposes` given), with the parental
        responsibility it needs recorded first."""
        members = FamilyMember.objects.filter(family=case.family).select_related("person")
        parent = next((m.person for m in members if m.role == "parent_carer"), None)
        child = next((m.person for m in members if m.role == "child"), None)
        if parent is None or child is None:
            return None
        if not Relationship.objects.filter(
            family=case.family, person=parent, has_parental_responsibility=True
        ):
            services.relationship_record(
                family=case.family,
                person=parent,
                relative=child,
                kind=RelationshipKind.MOTHER,
                by=worker,
                has_parental_responsibility=True,
            )
        return consent_record(
            family=case.family,
            by=worker,
            given_by=parent,
            method="written",
            recorded_where="Signed consent form (synthetic demo record)",
            given_on=timezone.localdate(),
            early_help=True,
            **purposes,
        )

    def _propose_step_down(self, users, teams, team_name):
        case = (
            Case.objects.filter(state="open", pathway=3, team__name=team_name)
            .exclude(cin_episodes__assessments__authorised_on__isnull=False)
            .exclude(family__restrictions__isnull=False)
            .exclude(decisions__state="proposed")
            .order_by("pk")
            .first()
        )
        if case is None:
            return None
        worker = case.key_worker or users["social.worker"]
        consent = self._consent(case, worker)
        if consent is None:
            return None
        return stepdown_propose(
            case=case,
            by=worker,
            details=StepDownDetails(
                route="referral",
                rationale="The referral was accepted but an assessment is not needed: early help fits.",
                needs="Routines at home; school attendance; parenting support",
                consent=consent,
                receiving_team=teams["Early Help Hub"],
            ),
        )

    def _feedback(self, users) -> None:
        """Families whose cases closed said how the help was: most by the link their worker sent,
        some in a conversation the worker recorded; the latest closed family's link still waits."""
        rng = random.Random(16)
        today = timezone.localdate()
        closed = list(Case.objects.filter(state="closed").select_related("key_worker").order_by("-closed_at"))
        if not closed:
            return
        given = 0
        for index, case in enumerate(closed[:MAX_FEEDBACK]):
            worker = case.key_worker or users["team.manager"]
            day = min(timezone.localdate(case.closed_at) + timedelta(days=rng.randint(3, 20)), today)
            roll = 0.0 if index == 1 else rng.random()  # the family after the waiting one answered
            with _on(day, 13) if day < today else contextlib.nullcontext():
                if index == 0:
                    services.feedback_invite(case=case, by=worker)  # sent: the family has not answered yet
                    continue
                answers = {
                    "help_right": rng.choices(["yes", "partly", "no"], [6, 3, 1])[0],
                    "listened_to": rng.choices(["yes", "partly", "no"], [7, 2, 1])[0],
                    "ask_again": rng.choices(["yes", "not_sure", "no"], [7, 2, 1])[0],
                    "comments": rng.choice(FEEDBACK_COMMENTS),
                }
                if roll < 0.45:
                    _, token = services.feedback_invite(case=case, by=worker)
                    services.feedback_give(token=token, given_by=rng.choice(["Mum", "Dad", ""]), **answers)
                elif roll < 0.7:
                    services.feedback_record(case=case, by=worker, given_by="Mum, on the phone", **answers)
                else:
                    continue
            given += 1
        self.stdout.write(f"Added families' feedback on {given} closed cases.")

    def _restriction(self, users) -> None:
        """One restricted family: a member of staff's, open to its key worker and the team manager.
        Anyone else sees "restricted record" and can break glass."""
        case = (
            Case.objects.filter(state="open", team__name="Family Help Team North", pathway=2)
            .order_by("pk")
            .first()
        )
        if case is None:
            return
        named = [allocation.user for allocation in case.allocations.filter(ended_at__isnull=True)]
        restriction_mark(
            by=users["team.manager"],
            family=case.family,
            category=RestrictionCategory.STAFF_FAMILY,
            reason="A member of staff's family (synthetic demo record).",
            named_users=named,
        )
        self.stdout.write(
            f"Restricted the {case.family.name} ({case.reference}): try opening it as social.worker."
        )

    def _contacts(self, users, teams) -> None:
        """A front door with work in it: requests waiting for triage (one citing an
        immediate-referral indicator, one about a child already known), a family's own request,
        a phone call, and one triaged to pathway 2 with its letter sent to the school."""
        fake = Faker("en_GB")
        fake.seed_instance(4242)
        dsl, mash = users["school.dsl"], users["mash.manager"]
        known = Person.objects.filter(kind=PersonKind.CHILD, memberships__isnull=False).order_by("pk").first()

        def child(first, last, born):
            return [SubjectDetails(role="child", first_name=first, last_name=last, date_of_birth=born)]

        today = timezone.localdate()
        common = {"family_consents": "yes", "family_aware": True}
        contact_receive(
            channel="professional",
            by=dsl,
            referrer_name=dsl.get_full_name(),
            concerns=(
                "Comes to school hungry most days and has lost weight this term; "
                "mum says money is very tight."
            ),
            what_tried="Breakfast club place; talked with mum about the food bank.",
            subjects=child(fake.first_name_female(), "Ellery", today - timedelta(days=8 * 365 + 40)),
            **common,
        )
        contact_receive(
            channel="professional",
            by=dsl,
            referrer_name=dsl.get_full_name(),
            concerns="Told her teacher that her stepdad hit her last night; a mark on her arm.",
            family_consents="not_asked",
            consent_notes="Telling the family first could put her at risk.",
            indicators=list(ThresholdIndicator.objects.filter(immediate_referral=True)[:1]),
            subjects=child(fake.first_name_female(), "Marsh", today - timedelta(days=11 * 365 + 40)),
        )
        if known:
            contact_receive(
                channel="professional",
                by=users["health.visitor"],
                referrer_name=users["health.visitor"].get_full_name(),
                concerns="Missed two health appointments; home seemed chaotic at the last visit.",
                subjects=child(known.first_name, known.last_name, known.date_of_birth),
                **common,
            )
        contact_receive(
            channel="family",
            referrer_name=fake.name_female(),
            referrer_phone="07700 900123",
            concerns=(
                "My son won't go to school and we argue every morning. I don't know what to do any more."
            ),
            subjects=child(fake.first_name_male(), "Hollis", today - timedelta(days=13 * 365 + 40)),
            **common,
        )
        contact_receive(
            channel="phone",
            by=mash,
            referrer_name="Dr " + fake.last_name(),
            referrer_role="GP",
            referrer_phone="0115 496 0000",
            urgency="urgent",
            concerns="Dad is struggling with his mental health since mum left; the children are with him.",
            subjects=child(fake.first_name_male(), "Vickers", today - timedelta(days=5 * 365 + 40)),
            **common,
        )
        triaged = contact_receive(
            channel="professional",
            by=dsl,
            referrer_name=dsl.get_full_name(),
            concerns="Often late and tired; says he looks after his little sister in the mornings.",
            subjects=child(fake.first_name_male(), "Penrose", today - timedelta(days=9 * 365 + 40)),
            **common,
        )
        for subject in triaged.subjects.all():
            contact_subject_link(subject=subject, person=None, by=mash)
        triaged = contact_triage(
            contact=triaged,
            by=mash,
            details=TriageDetails(
                outcome="pathway_2",
                rationale="Young carer; unmet needs at home; the family agrees to help.",
                feedback_text="His mum has agreed to help, so a family help worker will contact the family.",
                team=teams["Family Help Team North"],
            ),
        )
        contact_feedback_send(contact=triaged, by=mash, method="online")
        # A request the front door passed to the Early Help Hub (route a): waiting for the hub's review.
        to_hub = contact_receive(
            channel="professional",
            by=users["health.visitor"],
            referrer_name=users["health.visitor"].get_full_name(),
            concerns="Mum feels alone since the baby was born and asks for help with routines.",
            subjects=child(fake.first_name_female(), "Ashby", today - timedelta(days=300)),
            **common,
        )
        for subject in to_hub.subjects.all():
            contact_subject_link(subject=subject, person=None, by=mash)
        contact_triage(
            contact=to_hub,
            by=mash,
            details=TriageDetails(
                outcome="early_help",
                rationale="Needs that early help meets; mum agrees to it.",
                feedback_text="Mum agreed to support from the Early Help Hub, who will contact her.",
            ),
        )
        # A request the front door answered with no further action, which the school disputes.
        refused = contact_receive(
            channel="professional",
            by=dsl,
            referrer_name=dsl.get_full_name(),
            concerns="Keeps saying she does not want to go home at the end of the day.",
            subjects=child(fake.first_name_female(), "Thorne", today - timedelta(days=10 * 365 + 40)),
            **common,
        )
        for subject in refused.subjects.all():
            contact_subject_link(subject=subject, person=None, by=mash)
        refused = contact_triage(
            contact=refused,
            by=mash,
            details=TriageDetails(
                outcome="nfa",
                rationale="Mum explains it is about a new after-school club; no other concerns known.",
                feedback_text="We spoke with her mum, who explained the change at home; we are not taking "
                "further action, but please tell us if anything else worries you.",
            ),
        )
        contact_feedback_send(contact=refused, by=mash, method="online")
        disagreement_raise_on_contact(
            contact=refused,
            by=dsl,
            position="She told her teacher today she is frightened of mum's new partner.",
            wanted="A social worker to speak with her this week.",
        )
        self.stdout.write("Added demo contacts at the front door, and a professional disagreement.")

    def _new_starter(self, agencies) -> None:
        """A social worker who joined today and signed in with the council's single sign-on: an
        account with no role (OIDC_CREATE_USERS), waiting in the administrator's tray for one."""
        if User.objects.filter(username=NEW_STARTER).exists():
            return
        user_create(
            username=NEW_STARTER,
            password=None,
            first_name="Marta",
            last_name="Kowalska",
            email=f"{NEW_STARTER}@demo.invalid",
            agency=agencies[LA],
            roles=[],
            job_title="Social worker",
        )

    def _user(self, row, agencies, teams) -> User:
        username, first, last, role, agency, team, title = row
        user = User.objects.filter(username=username).first()
        if user is None:
            if not Group.objects.filter(name=role).exists():
                raise CommandError("Roles are missing: run `manage.py migrate` first.")
            user = user_create(
                username=username,
                password=None,
                first_name=first,
                last_name=last,
                agency=agencies[agency],
                roles=[role],
                teams=[teams[team]],
                job_title=title,
                email=f"{username}@demo.invalid",
            )
        user.set_password(settings.DEMO_PASSWORD)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        return user

    def _families(self, count, users, teams, *, seed: int) -> None:
        rng = random.Random(2026 + seed)
        self._social_workers = {side: itertools.cycle(names) for side, names in SOCIAL_WORKERS.items()}
        fake = Faker("en_GB")
        fake.seed_instance(2026 + seed)
        plan = [pathway for pathway, n in PATHWAY_MIX for _ in range(n)] + [None] * CLOSED
        rng.shuffle(plan)
        by = users["mash.manager"]
        today = timezone.localdate()
        for index in range(count):
            pathway = plan[index % len(plan)] or Pathway.FAMILY_HELP
            last = fake.last_name()
            family = services.family_create(by=by, name=f"{last} family")
            postcode = self._postcode(fake)
            street = fake.street_address()
            mum_age = rng.randint(22, 45)
            mum = self._person(
                by, rng, fake, PersonKind.ADULT, last, Sex.FEMALE, today - timedelta(days=mum_age * 365)
            )
            services.family_member_add(family=family, person=mum, role=FamilyRole.PARENT_CARER, by=by)
            adults = [mum]
            if rng.random() < 0.6:
                dad = self._person(
                    by,
                    rng,
                    fake,
                    PersonKind.ADULT,
                    last,
                    Sex.MALE,
                    today - timedelta(days=(mum_age + rng.randint(-2, 6)) * 365),  # near mum's age
                )
                services.family_member_add(family=family, person=dad, role=FamilyRole.PARENT_CARER, by=by)
                adults.append(dad)
            children = []
            for _ in range(rng.randint(1, 4)):
                sex = rng.choice([Sex.FEMALE, Sex.MALE])
                child = self._person(
                    by,
                    rng,
                    fake,
                    PersonKind.CHILD,
                    last,
                    sex,
                    # born when mum was at least 18
                    today - timedelta(days=rng.randint(60, min(17, mum_age - 18) * 365)),
                )
                services.family_member_add(family=family, person=child, role=FamilyRole.CHILD, by=by)
                children.append(child)
            if rng.random() < 0.1:
                unborn = services.person_create(
                    by=by,
                    kind=PersonKind.UNBORN,
                    last_name=last,
                    expected_date_of_birth=today + timedelta(days=rng.randint(20, 200)),
                )
                services.family_member_add(family=family, person=unborn, role=FamilyRole.CHILD, by=by)
            moved_in = today - timedelta(days=rng.randint(200, 2000))
            for person in adults + children:
                services.person_address_add(
                    person=person,
                    by=by,
                    line_1=street,
                    town="Demo Town",
                    postcode=postcode,
                    moved_in=max(moved_in, person.date_of_birth),  # nobody lives anywhere before birth
                )
            for adult in adults:
                for child in children:
                    kind = RelationshipKind.MOTHER if adult.sex == Sex.FEMALE else RelationshipKind.FATHER
                    services.relationship_record(
                        family=family,
                        person=adult,
                        relative=child,
                        kind=kind,
                        has_parental_responsibility=True,
                        by=by,
                    )
            self._case(family, pathway, plan[index % len(plan)] is None, users, teams, rng, children)

    def _case(self, family, pathway, closed, users, teams, rng, children) -> None:
        """The family's case, told on the days it happened (time-machine moves the clock): opened on
        a day of its own over the past years, stepped up lately when its pathway is 3 or 4, notes
        since it opened, and a closed case that ran its course months ago."""
        north = rng.random() < 0.6
        team = teams["Family Help Team North" if north else "Family Help Team South"]
        manager = users["team.manager"]
        if pathway in (Pathway.ADVICE, Pathway.FAMILY_HELP):
            key_worker = users["fh.worker" if north else "fh.worker.south"]
        else:
            # Each team's social workers take the cases in turn, so each holds a caseload of their own.
            # The random draw that once chose the worker is still made: the rest of the demo, whose
            # history is checked against the DfE's rules, stays as it was.
            rng.choice(SOCIAL_WORKERS["north" if north else "south"])
            key_worker = users[next(self._social_workers["north" if north else "south"])]
        today = timezone.localdate()
        low, high = (300, 1000) if closed else CASE_AGE_DAYS[pathway]
        opened_on = _weekday(today - timedelta(days=rng.randint(low, high)))
        closes_on = _weekday(opened_on + timedelta(days=rng.randint(90, 250))) if closed else today
        school_child = next((child for child in children if _years(child) >= 5), None)
        little_one = next((child for child in children if _years(child) < 5), None)
        # A case opens at pathway 1 or 2; 3 and 4 are reached through a decision point.
        opening = min(pathway, Pathway.FAMILY_HELP)
        with _on(opened_on, 10):
            case = services.case_open(family=family, team=team, pathway=opening, by=users["mash.manager"])
            if rng.random() > 0.1 or pathway == Pathway.PREVENT_HARM:  # a few wait for allocation
                services.case_allocate(case=case, user=key_worker, role=AllocationRole.KEY_WORKER, by=manager)
            if school_child and (rng.random() < 0.4 or family.pk % 6 == 0):
                services.involvement_add(
                    family=family,
                    user=users["school.dsl"],
                    role_description="Designated safeguarding lead",
                    by=manager,
                )
            if rng.random() < (0.5 if little_one else 0.1):
                services.involvement_add(
                    family=family,
                    user=users["health.visitor"],
                    role_description="Health visitor",
                    by=manager,
                )
        if pathway > opening:  # stepped up lately, after family help had been tried
            # (to pathway 4 in the last fortnight: its conference is still to come)
            ago = rng.randint(2, 10) if pathway == Pathway.PREVENT_HARM else rng.randint(25, 45)
            with _on(_weekday(today - timedelta(days=ago)), 11):
                self._step_up(case, pathway, users)
                if pathway == Pathway.PREVENT_HARM:  # the ECPP came alongside with the decision
                    services.case_allocate(
                        case=case, user=users["fh.worker"], role=AllocationRole.CO_WORKER, by=manager
                    )
        notes = [note for note in NOTES if school_child or note[0] != ChronologyKind.SCHOOL_CONTACT]
        span = max((closes_on - opened_on).days, 5)
        for days_after, (kind, summary, detail) in zip(
            sorted(rng.sample(range(1, span), 4)), rng.sample(notes, 4), strict=True
        ):
            with _on(opened_on + timedelta(days=days_after), rng.randint(9, 16)):
                services.chronology_entry_add(
                    family=family,
                    case=case,
                    by=key_worker,
                    kind=kind,
                    summary=summary,
                    detail=detail,
                    occurred_at=timezone.now(),
                    subject=rng.choice(children) if children and rng.random() < 0.5 else None,
                )
        self._assessment(
            family, case, pathway, key_worker, users, rng, children, opened_on, closes_on, closed
        )
        if closed:
            with _on(closes_on, 15):
                services.case_close(
                    case=case,
                    reason=ClosureReason.RC7,
                    note="Support ended: the family's goals were met.",
                    by=manager,
                )

    def _step_up(self, case, pathway, users) -> None:
        """The front door's decision, as contact_triage makes it: the MASH manager decides pathway 3;
        pathway 4 is proposed to the ECPP, who confirms it and co-works the case."""
        mash = users["mash.manager"]
        self._census_details(case.family, users["social.worker"])
        case.refresh_from_db()
        if pathway == Pathway.REDUCE_RISK:
            decision_record(
                case=case,
                by=mash,
                details=DecisionDetails(
                    outcome=Outcome.PATHWAY_3,
                    rationale="Needs are growing despite family help: a child in need assessment.",
                    family_consents_to_share=True,
                    referral_source=STEP_UP_SOURCES[case.pk % len(STEP_UP_SOURCES)],
                    primary_need="N4",
                ),
            )
            return
        proposal = decision_propose(
            case=case,
            by=mash,
            details=DecisionDetails(
                outcome=Outcome.PATHWAY_4,
                rationale="Strategy discussion held: reasonable cause to suspect significant harm.",
                lawful_basis="Children Act 1989 s47: risk of significant harm.",
                ecpp=users["ecpp"],
                referral_source=STEP_UP_SOURCES[case.pk % len(STEP_UP_SOURCES)],
                primary_need="N1",
            ),
        )
        decision_confirm(decision=proposal, by=users["ecpp"])

    @staticmethod
    def _census_details(family, by) -> None:
        """A referral puts the children in the CIN census: a child without a pupil number has the
        reason recorded (UN1 under school age, UN2 otherwise), as the history's children do."""
        school_age_born_before = timezone.localdate() - timedelta(days=4 * 365)
        children = Person.objects.filter(
            memberships__family=family, memberships__role=FamilyRole.CHILD, kind=PersonKind.CHILD, upn=""
        )
        for child in children:
            services.person_details_record(
                person=child,
                by=by,
                sex=child.sex,
                ethnicity=child.ethnicity,
                disabilities=child.disabilities or [Disability.NONE],
                upn_unknown_reason="UN2" if child.date_of_birth < school_age_born_before else "UN1",
            )

    def _assessment(
        self, family, case, pathway, worker, users, rng, children, opened_on, closes_on, closed
    ) -> None:
        """Contributions from the worker (and the school where involved) soon after the case opened,
        a recent visit, a plan, and now and then a proposal waiting for a social worker to confirm.
        What is said of a child fits their age: school for the school-aged, health checks for the
        under-fives."""
        level = {1: "universal", 2: "early_help", 3: "targeted_early_help", 4: "protection_specialist"}[
            pathway
        ]
        indicators = list(ThresholdIndicator.objects.filter(document__code="nottingham", level__code=level))
        child = children[0] if children else None
        at_school = child is not None and _years(child) >= 5
        if child is None:
            worry = "The family are worried about money and the baby on the way."
        elif at_school:
            worry = f"{child.first_name} is often late to school and tired."
        else:
            worry = f"{child.first_name} has missed two health visitor checks and the home is often cold."
        today = timezone.localdate()
        with _on(min(opened_on + timedelta(days=rng.randint(3, 20)), closes_on), 14):
            contribution_add(
                family=family,
                by=worker,
                section=Section.WORRIED_ABOUT,
                child=child,
                text=worry,
                indicators=rng.sample(indicators, min(2, len(indicators))),
            )
            contribution_add(
                family=family,
                by=worker,
                section=Section.WORKING_WELL,
                text="Mum and the children are close; grandparents help at weekends.",
            )
            contribution_add(
                family=family,
                by=worker,
                section=Section.HOW_WORRIED,
                text="Agreed at the family meeting.",
                scale={1: 8, 2: 6, 3: 4, 4: 2}[pathway],
                scaled_by=ScaledBy.PRACTITIONER,
            )
            school_child = next((kid for kid in children if _years(kid) >= 5), None)
            if school_child and family.involvements.filter(user=users["school.dsl"]).exists():
                contribution_add(
                    family=family,
                    by=users["school.dsl"],
                    section=Section.EDUCATION,
                    child=school_child,
                    text="Attendance this term is 88%; settled in class when fed.",
                )
        visited = closes_on - timedelta(days=rng.randint(1, 20))
        with _on(max(visited, opened_on), 12):
            conversation_record(
                family=family,
                case=case,
                by=worker,
                kind="home_visit",
                occurred_at=timezone.now(),
                location="Family home",
                present="Parent(s) and children",
                discussed="How the week has gone and what would help.",
                children_seen=children,
                children_seen_alone=children[:1],
            )
        if pathway >= Pathway.FAMILY_HELP:
            # An open case's plan started lately (its first review still to come); a closed one's
            # early in its life.
            started = opened_on + timedelta(days=20) if closed else today - timedelta(days=rng.randint(5, 20))
            with _on(_weekday(max(started, opened_on)), 15):
                plan = plan_start(case=case, by=worker)
                if at_school:
                    text, what, who = (
                        "The children get to school on time, fed and rested.",
                        "Breakfast club place",
                        "School",
                    )
                else:
                    text, what, who = (
                        "The children's health checks are kept and the home is warm.",
                        "Book the next development review",
                        "Health visitor",
                    )
                outcome = plan_outcome_add(plan=plan, by=worker, text=text)
                plan_action_add(
                    plan=plan,
                    by=worker,
                    outcome=outcome,
                    what=what,
                    who=who,
                    by_when=timezone.localdate() + timedelta(days=21),
                )
        if (
            not closed
            and pathway == Pathway.FAMILY_HELP
            and worker.username == "fh.worker"
            and rng.random() < 0.2
        ):
            decision_propose(
                case=case,
                by=worker,
                details=DecisionDetails(
                    outcome=Outcome.PATHWAY_3,
                    rationale="Worries are growing despite family help.",
                    referral_source=ReferralSource.EARLY_HELP,
                    primary_need="N4",
                ),
            )

    def _person(self, by, rng, fake, kind, last, sex, born):
        first = fake.first_name_female() if sex == Sex.FEMALE else fake.first_name_male()
        for _ in range(5):
            try:
                return services.person_create(
                    by=by,
                    kind=kind,
                    first_name=first,
                    last_name=last,
                    sex=sex,
                    date_of_birth=born,
                    ethnicity=rng.choice(
                        ["WBRI", "WBRI", "WBRI", "MWBC", "AIND", "APKN", "BAFR", "WOTH", "NOBT"]
                    ),
                    nhs_number=nhs_number.generate(for_region=nhs_number.REGION_SYNTHETIC, quantity=1)[0],
                    upn=self._upn(rng) if kind == PersonKind.CHILD and rng.random() < 0.7 else "",
                )
            except ValidationError as exc:  # a clashing random identifier: draw again
                if "nhs_number" not in exc.message_dict and "upn" not in exc.message_dict:
                    raise
        raise CommandError("Could not draw unique synthetic identifiers.")

    @staticmethod
    def _upn(rng) -> str:
        # "001" is one of the DfE's pseudo LA codes: a real council's code would claim its pupils.
        body = f"001{rng.randint(0, 9999):04d}{rng.randint(10, 25):02d}{rng.randint(0, 999):03d}"
        return upn_check_letter(body) + body

    @staticmethod
    def _postcode(fake) -> str:
        for _ in range(10):
            try:
                return services.postcode_normalise(fake.postcode())
            except ValidationError:
                continue
        return "ZZ99 3VZ"
