"""The whole-family page (/families/<id>/) and GET /api/v1/families/<id>/: members, relationships,
cases past and present and the chronology a page at a time, for whoever may see the family's cases."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.choices import ChronologyKind, RecordType, RelationshipKind
from cases.models import AccessLogEntry, FamilyMember
from cases.views import CHRONOLOGY_PAGE

pytestmark = pytest.mark.django_db


def _family(world):
    return world.north_case.family


def _parent(family):
    return FamilyMember.objects.get(family=family, role="parent_carer").person


def _with_history(cast, world):
    """The Northam family: a relationship, the first case closed and a second one open."""
    family = _family(world)
    services.relationship_record(
        family=family,
        person=_parent(family),
        relative=world.north_child,
        kind=RelationshipKind.MOTHER,
        has_parental_responsibility=True,
        by=cast.mash_manager,
    )
    services.case_close(case=world.north_case, reason="RC8", by=cast.team_manager)
    second = services.case_open(family=family, team=cast.north, pathway=1, by=cast.mash_manager)
    return family, second


def test_the_family_page_shows_members_relationships_and_every_case(cast, world, client_for):
    family, second = _with_history(cast, world)
    response = client_for(cast.social_worker).get(reverse("cases:family-detail", args=[family.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nia Northam" in page and "Pat Northam" in page
    assert "Pat Northam is mother of Nia Northam" in page and "Parental responsibility" in page
    assert world.north_case.reference in page and second.reference in page  # past and present
    assert page.index(second.reference) < page.index(world.north_case.reference)  # the open one first
    assert 'aria-current="page">Northam family</li>' in page  # the breadcrumb names this page


def test_the_chronology_comes_a_page_at_a_time(cast, world, client_for):
    family = _family(world)
    start = timezone.now() - timedelta(days=400)
    for day in range(CHRONOLOGY_PAGE + 5):
        services.chronology_entry_add(
            family=family,
            case=world.north_case,
            by=cast.fh_worker,
            kind=ChronologyKind.NOTE,
            occurred_at=start + timedelta(days=day),
            summary=f"Entry number {day:03d}",
        )
    client = client_for(cast.fh_worker)
    url = reverse("cases:family-detail", args=[family.pk])
    first = client.get(url).content.decode()
    assert f"Entry number {CHRONOLOGY_PAGE + 4:03d}" in first  # newest first
    assert "Entry number 000" not in first
    assert "Older entries" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Entry number 000" in second


def test_whoever_may_not_see_the_familys_cases_gets_404_and_nothing_is_logged(cast, world, client_for):
    family = _family(world)
    for user in (cast.fh_worker_south, cast.school_dsl, cast.administrator):
        response = client_for(user).get(reverse("cases:family-detail", args=[family.pk]))
        assert response.status_code == 404, user
    assert not AccessLogEntry.objects.filter(
        record_type=RecordType.FAMILY, record_id=family.pk, reason=""
    ).exists()


def test_a_partner_involved_with_the_family_sees_it(cast, world, client_for):
    family = world.school_case.family
    response = client_for(cast.school_dsl).get(reverse("cases:family-detail", args=[family.pk]))
    assert response.status_code == 200
    assert world.school_case.reference in response.content.decode()


def test_reading_the_family_page_is_in_the_access_log(cast, world, client_for):
    family = _family(world)
    client_for(cast.fh_worker).get(reverse("cases:family-detail", args=[family.pk]))
    entry = AccessLogEntry.objects.get(record_type=RecordType.FAMILY, record_id=family.pk)
    assert entry.user == cast.fh_worker and entry.family_id == family.pk
    assert entry.route == "families/<int:pk>/"


def test_the_case_and_person_pages_link_to_the_family(cast, world, client_for):
    client = client_for(cast.fh_worker)
    url = reverse("cases:family-detail", args=[_family(world).pk])
    assert url in client.get(reverse("cases:case-detail", args=[world.north_case.pk])).content.decode()
    assert url in client.get(reverse("cases:person-detail", args=[world.north_child.pk])).content.decode()


def test_the_api_gives_the_whole_family_and_its_chronology_paged(cast, world, api_for):
    family, second = _with_history(cast, world)
    api = api_for(cast.social_worker)
    body = api.get(f"/api/v1/families/{family.pk}/").json()
    assert {member["person"]["id"] for member in body["members"]} == set(
        FamilyMember.objects.filter(family=family).values_list("person_id", flat=True)
    )
    assert body["relationships"] == [
        {
            "person": {"id": _parent(family).pk, "name": "Pat Northam"},
            "relative": {"id": world.north_child.pk, "name": "Nia Northam"},
            "kind": "mother",
            "has_parental_responsibility": True,
        }
    ]
    assert [case["reference"] for case in body["cases"]] == [second.reference, world.north_case.reference]
    chronology = api.get(body["chronology"]).json()
    assert "results" in chronology and chronology["count"] >= 3
    assert api_for(cast.fh_worker_south).get(f"/api/v1/families/{family.pk}/").status_code == 404
    assert api_for(cast.fh_worker_south).get(body["chronology"]).status_code == 404


def test_the_case_page_shows_the_newest_page_and_leads_to_the_older_ones(cast, world, client_for):
    client = client_for(cast.fh_worker)
    case_url = reverse("cases:case-detail", args=[world.north_case.pk])
    assert 'id="older-entries"' not in client.get(case_url).content.decode()  # all of it fits
    family = _family(world)
    start = timezone.now() - timedelta(days=400)
    for day in range(CHRONOLOGY_PAGE + 5):
        services.chronology_entry_add(
            family=family,
            case=world.north_case,
            by=cast.fh_worker,
            kind=ChronologyKind.NOTE,
            occurred_at=start + timedelta(days=day),
            summary=f"Entry number {day:03d}",
        )
    page = client.get(case_url).content.decode()
    assert f"Entry number {CHRONOLOGY_PAGE + 4:03d}" in page and "Entry number 000" not in page
    assert page.count('class="moj-timeline__item"') == CHRONOLOGY_PAGE
    older = reverse("cases:family-detail", args=[family.pk]) + "?page=2"
    assert f'href="{older}#chronology" id="older-entries"' in page
    # The family's page 2 begins where the case page ended: nothing between them is skipped.
    second = client.get(older).content.decode()
    shown = set(re.findall(r"Entry number \d{3}", page))
    assert "Entry number 000" in second and not shown & set(re.findall(r"Entry number \d{3}", second))
