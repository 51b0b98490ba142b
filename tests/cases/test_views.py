"""The pages: role-appropriate homes, the case page, forms that keep what was typed."""

import pytest
from django.urls import reverse

from cases import services
from cases.models import ChronologyEntry
from tests.cases.factories import FamilyFactory

pytestmark = pytest.mark.django_db

HOME_HEADINGS = {
    "family_help_worker": ["My cases", "My team&#x27;s cases"],
    "social_worker": ["My cases"],
    "expert_cp_practitioner": ["My cases"],
    "mash_manager": ["Cases opened most recently"],
    "team_manager": ["Cases waiting for a key worker", "My teams&#x27; open cases"],
    "partner_practitioner": ["Families you work with"],
    "auditor": ["Open cases", "Nothing you do here changes a record"],
    "administrator": ["Users and their roles"],
}


@pytest.mark.parametrize("role", sorted(HOME_HEADINGS))
def test_each_role_gets_its_own_home(role, cast, world, client_for):
    response = client_for(cast.by_role()[role]).get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    for heading in HOME_HEADINGS[role]:
        assert heading in page, f"{role} home lacks {heading!r}"


def test_family_help_worker_sees_their_case_on_home_and_not_others(cast, world, client_for):
    page = client_for(cast.fh_worker).get(reverse("home")).content.decode()
    assert world.north_case.reference in page
    assert world.south_case.reference not in page


def test_administrator_home_shows_no_case_content(cast, world, client_for):
    page = client_for(cast.administrator).get(reverse("home")).content.decode()
    assert world.north_case.reference not in page and "Northam" not in page


def test_sign_in_page_and_signing_in(cast, client):
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(
        reverse("accounts:login"), {"username": "fh.worker", "password": "a-test-password-1"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    client.logout()
    bad = client.post(reverse("accounts:login"), {"username": "fh.worker", "password": "wrong"})
    assert bad.status_code == 200 and "There is a problem" in bad.content.decode()


def test_case_page_shows_family_and_chronology(cast, world, client_for):
    page = (
        client_for(cast.fh_worker)
        .get(reverse("cases:case-detail", args=[world.north_case.pk]))
        .content.decode()
    )
    assert "Northam family" in page and "Nia Northam" in page and "Pat Northam" in page
    assert "moj-timeline" in page and "allocated as key worker" in page
    assert "Add to the chronology" in page
    assert "Allocate a worker" not in page  # team managers only


def test_auditor_sees_no_edit_controls(cast, world, client_for):
    page = (
        client_for(cast.auditor)
        .get(reverse("cases:case-detail", args=[world.north_case.pk]))
        .content.decode()
    )
    assert (
        "Add to the chronology" not in page
        and "Allocate a worker" not in page
        and "Close the case" not in page
    )


def test_adding_a_chronology_entry_from_the_page(cast, world, client_for):
    client = client_for(cast.fh_worker)
    response = client.post(
        reverse("cases:case-chronology-add", args=[world.north_case.pk]),
        {
            "entry-kind": "home_visit",
            "entry-occurred_at": "2026-03-02T10:15",
            "entry-summary": "Saw Nia at home",
            "entry-subject": world.north_child.pk,
        },
    )
    assert response.status_code == 302
    entry = ChronologyEntry.objects.get(summary="Saw Nia at home")
    assert entry.subject == world.north_child and entry.case == world.north_case


def test_a_bad_chronology_entry_keeps_what_was_typed(cast, world, client_for):
    detail = "A long account the worker must not lose"
    response = client_for(cast.fh_worker).post(
        reverse("cases:case-chronology-add", args=[world.north_case.pk]),
        {
            "entry-kind": "home_visit",
            "entry-occurred_at": "2999-01-01T10:00",
            "entry-summary": "Visit",
            "entry-detail": detail,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "now or in the past" in page
    assert detail in page and 'value="Visit"' in page


def test_a_stale_allocation_form_says_why_and_saves_nothing(cast, world, client_for):
    case = world.north_case
    client = client_for(cast.team_manager)
    services.case_allocate(
        case=case, user=cast.ecpp, role="ecpp", by=cast.social_worker
    )  # someone else, meanwhile
    response = client.post(
        reverse("cases:case-allocate", args=[case.pk]),
        {
            "allocate-user": cast.social_worker.pk,
            "allocate-role": "co_worker",
            "allocate-version": case.version,
        },
    )
    assert response.status_code == 400
    assert "Someone else changed this case" in response.content.decode()
    assert not case.allocations.filter(user=cast.social_worker).exists()


def test_closing_from_the_page(cast, world, client_for):
    case = world.north_case
    client = client_for(cast.team_manager)
    missing = client.post(
        reverse("cases:case-close", args=[case.pk]), {"close-version": case.version, "close-note": "Kept"}
    )
    assert missing.status_code == 400
    assert "Choose the reason the case is closing" in missing.content.decode()
    assert "Kept" in missing.content.decode()
    response = client.post(
        reverse("cases:case-close", args=[case.pk]),
        {"close-reason": "RC9", "close-note": "Stepped down", "close-version": case.version},
    )
    assert response.status_code == 400  # RC9 is a step-down's outcome, with consent and approval
    assert "Stepped down" in response.content.decode()
    response = client.post(
        reverse("cases:case-close", args=[case.pk]),
        {"close-reason": "RC7", "close-note": "Support ended", "close-version": case.version},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.closure_reason == "RC7"


def test_person_search_by_name_part_date_and_postcode(cast, world, client_for):
    client = client_for(cast.social_worker)
    url = reverse("cases:person-search")
    assert "Nia Northam" in client.get(url, {"name": "nort"}).content.decode()
    assert "Nia Northam" in client.get(url, {"date_of_birth": "2017-03-09"}).content.decode()
    assert "Nia Northam" in client.get(url, {"postcode": "ng1"}).content.decode()
    empty = client.get(url, {"name": ""})
    assert (
        empty.status_code == 200 and "Enter a name, a date of birth or a postcode" in empty.content.decode()
    )
    bad_date = client.get(url, {"date_of_birth": "31/02/2020"})
    assert bad_date.status_code == 200 and "Enter a valid date" in bad_date.content.decode()


def test_case_list_queries_do_not_grow_with_the_number_of_cases(
    cast, world, client_for, django_assert_max_num_queries
):
    client = client_for(cast.auditor)
    url = reverse("cases:case-list")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(15):
        services.case_open(
            family=FamilyFactory(created_by=cast.mash_manager),
            team=cast.north,
            pathway=2,
            by=cast.mash_manager,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("/cases/") >= 18


def test_home_and_case_page_query_budgets(cast, world, client_for, django_assert_max_num_queries):
    client = client_for(cast.team_manager)
    # Each page's menu asks once whether to offer the API (accounts/context_processors.py).
    with django_assert_max_num_queries(16):
        client.get(reverse("home"))
    with django_assert_max_num_queries(21):
        client.get(reverse("cases:case-detail", args=[world.north_case.pk]))


def test_involving_a_partner_from_the_case_page(cast, world, client_for):
    client = client_for(cast.social_worker)
    url = reverse("cases:case-involvement-add", args=[world.north_case.pk])
    missing = client.post(url, {"involve-user": cast.school_dsl.pk})
    assert missing.status_code == 400 and "Say what their role with the family is" in missing.content.decode()
    assert (
        client.post(url, {"involve-user": cast.school_dsl.pk, "involve-role_description": "DSL"}).status_code
        == 302
    )
    page = client.get(reverse("cases:case-detail", args=[world.north_case.pk])).content.decode()
    assert "Test Primary School" in page
    involvement = world.north_case.family.involvements.get(user=cast.school_dsl)
    end = reverse("cases:case-involvement-end", args=[world.north_case.pk, involvement.pk])
    assert client_for(cast.auditor).post(end).status_code == 403
    assert client_for(cast.social_worker).post(end).status_code == 302
    involvement.refresh_from_db()
    assert involvement.ended_at is not None


def test_person_search_finds_a_name_typed_in_a_hurry_after_the_names_as_typed(cast, world, client_for):
    from cases.selectors import PersonSearch, person_search
    from tests.cases.factories import PersonFactory

    client = client_for(cast.social_worker)
    url = reverse("cases:person-search")
    # Northam, misspelt: a letter dropped, two swapped, one doubled.
    for typed in ("Nia Nortam", "Nia Notrham", "Northamm"):
        assert "Nia Northam" in client.get(url, {"name": typed}).content.decode(), typed
    assert "Nia Northam" not in client.get(url, {"name": "Zebedee"}).content.decode()
    # Names holding the words as typed come before the merely close ones.
    close = PersonFactory(first_name="Nia", last_name="Northan", created_by=cast.mash_manager)
    found = list(person_search(cast.auditor, PersonSearch(name="Northam")))
    assert [person.last_name for person in found][:1] == ["Northam"] and close in found
