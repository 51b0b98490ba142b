"""Shared pytest fixtures (loaded with -p tests.fixtures): a named cast of users, one per role,
and a small world of families and cases built through the real services.

Imports of Django models happen inside fixtures: this plugin loads before Django is set up.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent.parent / "assessments" / "thresholds" / "nottingham.json"


@pytest.fixture(autouse=True, scope="session")
def _tests_may_empty_history_tables(django_db_setup, django_db_blocker):
    """Transactional tests end by emptying every table with TRUNCATE, which the history tables
    refuse (config.models.no_truncate). The test database's flush, and nothing else, is let past."""
    import pgtrigger
    from django.apps import apps
    from django.db import connection

    ignored = [
        f"{model._meta.label}:{trigger.name}"
        for model in apps.get_models()
        for trigger in getattr(model._meta, "triggers", [])
        if trigger.name.endswith("_no_truncate")
    ]
    operations = type(connection.ops)
    flush = operations.execute_sql_flush

    def flush_past_the_triggers(self, sql_list):
        with pgtrigger.ignore(*ignored):
            return flush(self, sql_list)

    operations.execute_sql_flush = flush_past_the_triggers
    yield
    operations.execute_sql_flush = flush


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs ~0.3 s per test user; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Cast:
    la: Any
    school: Any
    north: Any
    south: Any
    fh_worker: Any
    fh_worker_south: Any
    social_worker: Any
    ecpp: Any
    mash_manager: Any
    team_manager: Any
    school_dsl: Any
    auditor: Any
    administrator: Any

    def by_role(self) -> dict[str, Any]:
        return {
            "family_help_worker": self.fh_worker,
            "social_worker": self.social_worker,
            "expert_cp_practitioner": self.ecpp,
            "mash_manager": self.mash_manager,
            "team_manager": self.team_manager,
            "partner_practitioner": self.school_dsl,
            "auditor": self.auditor,
            "administrator": self.administrator,
        }


@dataclass
class World:
    north_case: Any  # Family Help Team North, pathway 2, fh_worker is key worker
    south_case: Any  # Family Help Team South, pathway 3 by the MASH manager's decision, nobody allocated
    school_case: Any  # South, pathway 2, the school DSL is involved with the family
    north_child: Any
    south_child: Any


@pytest.fixture
def cast(db) -> Cast:
    from accounts.choices import AgencyKind, Role, TeamKind
    from tests.accounts.factories import AgencyFactory, TeamFactory, UserFactory

    la = AgencyFactory()
    school = AgencyFactory(name="Test Primary School", kind=AgencyKind.SCHOOL)
    north = TeamFactory(name="Family Help Team North", agency=la)
    south = TeamFactory(name="Family Help Team South", agency=la)
    cp = TeamFactory(name="Expert CP practitioners", agency=la, kind=TeamKind.CHILD_PROTECTION)
    mash = TeamFactory(name="MASH", agency=la, kind=TeamKind.MASH)
    school_team = TeamFactory(name="Safeguarding", agency=school, kind=TeamKind.PARTNER)

    def user(username, role, teams, agency=la, **extra):
        return UserFactory(username=username, roles=[role], teams=teams, agency=agency, **extra)

    return Cast(
        la=la,
        school=school,
        north=north,
        south=south,
        fh_worker=user("fh.worker", Role.FAMILY_HELP_WORKER, [north], first_name="Femi", last_name="Harper"),
        fh_worker_south=user("fh.worker.south", Role.FAMILY_HELP_WORKER, [south]),
        social_worker=user(
            "social.worker", Role.SOCIAL_WORKER, [north], first_name="Sam", last_name="Walker"
        ),
        ecpp=user("ecpp", Role.ECPP, [cp]),
        mash_manager=user("mash.manager", Role.MASH_MANAGER, [mash]),
        team_manager=user(
            "team.manager", Role.TEAM_MANAGER, [north, south], first_name="Tom", last_name="Manning"
        ),
        school_dsl=user("school.dsl", Role.PARTNER_PRACTITIONER, [school_team], agency=school),
        auditor=user("auditor", Role.AUDITOR, []),
        administrator=user("admin", Role.ADMINISTRATOR, [], is_staff=True),
    )


def _family_with_case(cast, *, name, team, pathway, child_name):
    from datetime import date

    from cases import services
    from cases.choices import FamilyRole, PersonKind, Sex

    by = cast.mash_manager
    family = services.family_create(by=by, name=f"{name} family")
    first, last = child_name.split()
    child = services.person_create(
        by=by,
        kind=PersonKind.CHILD,
        first_name=first,
        last_name=last,
        sex=Sex.FEMALE,
        date_of_birth=date(2017, 3, 9),
    )
    services.person_address_add(
        person=child, by=by, line_1="1 Test Street", postcode="NG1 5DT", moved_in=date(2020, 1, 1)
    )
    parent = services.person_create(by=by, kind=PersonKind.ADULT, first_name="Pat", last_name=last)
    services.family_member_add(family=family, person=child, role=FamilyRole.CHILD, by=by)
    services.family_member_add(family=family, person=parent, role=FamilyRole.PARENT_CARER, by=by)
    case = services.case_open(family=family, team=team, pathway=pathway, by=by)
    return case, child


@pytest.fixture
def world(cast) -> World:
    from cases import services
    from cases.choices import AllocationRole
    from pathways.choices import Outcome
    from pathways.services import DecisionDetails, decision_record

    north_case, north_child = _family_with_case(
        cast, name="Northam", team=cast.north, pathway=2, child_name="Nia Northam"
    )
    services.case_allocate(
        case=north_case, user=cast.fh_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager
    )
    south_case, south_child = _family_with_case(
        cast, name="Southey", team=cast.south, pathway=2, child_name="Sol Southey"
    )
    # A case reaches pathway 3 only through a decision point: here the front door's.
    decision_record(
        case=south_case,
        by=cast.mash_manager,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3,
            rationale="Worries about neglect need a child in need assessment.",
            referral_source="2A",
            primary_need="N1",
        ),
    )
    school_case, _ = _family_with_case(
        cast, name="Scholes", team=cast.south, pathway=2, child_name="Sky Scholes"
    )
    services.involvement_add(
        family=school_case.family, user=cast.school_dsl, role_description="DSL", by=cast.team_manager
    )
    for case in (north_case, south_case, school_case):
        case.refresh_from_db()
    return World(north_case, south_case, school_case, north_child, south_child)


@dataclass
class SouthFamily:
    case: Any  # world.south_case: pathway 3, Family Help Team South
    family: Any
    child: Any
    parent: Any  # holds parental responsibility


@pytest.fixture
def south_family(cast, world) -> SouthFamily:
    """The world's South family ready for work that needs the family's consent: the mother holds
    parental responsibility, and the decision into pathway 3 (which opened the child's episode and
    assessment) was some weeks ago."""
    from datetime import timedelta

    from django.utils import timezone

    from cases.choices import RelationshipKind
    from cases.models import FamilyMember
    from cases.services import relationship_record
    from pathways.models import ChildAssessment, CinEpisode

    case = world.south_case
    members = FamilyMember.objects.filter(family=case.family).select_related("person")
    child = next(m.person for m in members if m.role == "child")
    parent = next(m.person for m in members if m.role == "parent_carer")
    relationship_record(
        family=case.family,
        person=parent,
        relative=child,
        kind=RelationshipKind.MOTHER,
        by=cast.social_worker,
        has_parental_responsibility=True,
    )
    episode = CinEpisode.objects.get(child=child, case=case, closure_date__isnull=True)
    CinEpisode.objects.filter(pk=episode.pk).update(referral_date=timezone.localdate() - timedelta(days=30))
    ChildAssessment.objects.filter(episode=episode).update(
        started_on=timezone.localdate() - timedelta(days=29)
    )
    return SouthFamily(case=case, family=case.family, child=child, parent=parent)


@pytest.fixture
def client_for(client):
    """client_for(user): the Django test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_for():
    """api_for(user): a DRF API client signed in as that user (session auth)."""
    from rest_framework.test import APIClient

    def sign_in(user):
        api = APIClient()
        if user is not None:
            api.force_login(user)
        return api

    return sign_in


@pytest.fixture
def thresholds(db):
    """Nottingham's threshold document, loaded as `manage.py load_thresholds` does."""
    from assessments.services import threshold_document_load

    return threshold_document_load(path=DEFAULT_THRESHOLDS)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's package, driven by Playwright) for every browser journey."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def journey(browser):
    """journey(): a new page in a browser context of its own, 1280 px wide, that remembers every
    address it shows. The test fails at its end unless each one was checked with
    tests.axe.assert_accessible (axe-core, WCAG 2.2 AA)."""
    from tests.axe import track_pages, unchecked_pages

    contexts, pages = [], []

    def new_page(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        page = context.new_page()
        track_pages(page)
        contexts.append(context)
        pages.append(page)
        return page

    yield new_page
    missed = [url for page in pages for url in unchecked_pages(page)]
    for context in contexts:
        context.close()
    if missed:
        pytest.fail("The journey showed pages it did not check with axe: " + ", ".join(missed))
