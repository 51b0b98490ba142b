"""Managers and auditors make the census from a page or the API: a worker builds it with its
progress, the requester downloads it (logged), and the data-quality list says what to fix and
where. Nobody else may."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.urls import reverse

from cases import services as case_services
from cases.models import AccessLogEntry
from pathways.choices import Outcome
from pathways.services import DecisionDetails, decision_record
from returns.census import census_years_available
from returns.models import ReturnBuild
from tests.returns.conftest import the_worlds_referral_completed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def built(django_capture_on_commit_callbacks):
    """built(call): make the call; the worker's task runs (eagerly) as its transaction commits."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def referred(cast, world):
    """Nia Northam referred into pathway 3 this census year, her disabilities not yet recorded
    (and the world's Sol Southey, referred today, with nothing to fix)."""
    the_worlds_referral_completed(cast, world)
    case = world.north_case
    decision_record(
        case=case,
        by=cast.social_worker,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="x", referral_source="2A", primary_need="N4"
        ),
    )
    return world.north_child


def current_year() -> int:
    return census_years_available()[0]


def test_a_manager_makes_the_census_and_downloads_it(cast, world, referred, client_for, built):
    client = client_for(cast.team_manager)
    page = client.get(reverse("returns:census"))
    assert page.status_code == 200 and "Make the return" in page.content.decode()
    bad = client.post(reverse("returns:census"), {"year": "1999"})
    assert bad.status_code == 400 and "Choose a census year from the list" in bad.content.decode()
    made = built(client.post, reverse("returns:census"), {"year": current_year()})
    build = ReturnBuild.objects.get()
    assert made.status_code == 302 and made["Location"] == build.get_absolute_url()
    assert (build.state, build.children, build.children_with_errors) == ("done", 2, 1)
    status = client.get(build.get_absolute_url()).content.decode()
    assert "Download the XML" in status and "see what to fix" in status
    download = client.get(reverse("returns:build-download", args=[build.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/xml"
    message = ET.fromstring(b"".join(download.streaming_content))
    ids = [child.findtext("ChildIdentifiers/LAchildID") for child in message.findall("Children/Child")]
    assert sorted(ids) == sorted([f"P{referred.pk}", f"P{world.south_child.pk}"])
    logged = AccessLogEntry.objects.filter(record_type="statutory_return", record_id=build.pk)
    assert logged.count() == 2 and set(logged.values_list("sha256", flat=True)) == {build.sha256}
    # Another manager cannot see or download it.
    other = client_for(cast.mash_manager)
    assert other.get(build.get_absolute_url()).status_code == 404
    assert other.get(reverse("returns:build-download", args=[build.pk])).status_code == 404


@pytest.mark.parametrize(
    "role",
    [
        "social_worker",
        "family_help_worker",
        "expert_cp_practitioner",
        "partner_practitioner",
        "administrator",
    ],
)
def test_practitioners_partners_and_administrators_may_not(cast, referred, client_for, api_for, role):
    user = cast.by_role()[role]
    client = client_for(user)
    assert client.get(reverse("returns:census")).status_code == 403
    assert client.post(reverse("returns:census"), {"year": current_year()}).status_code == 403
    assert client.get(reverse("returns:census-quality", args=[current_year()])).status_code == 403
    api = api_for(user)
    assert api.post("/api/v1/returns/cin-census/", {"year": current_year()}, format="json").status_code == 403
    assert ReturnBuild.objects.count() == 0


def test_the_auditor_may_make_the_census(cast, referred, api_for, built):
    api = api_for(cast.auditor)
    answered = built(api.post, "/api/v1/returns/cin-census/", {"year": current_year()}, format="json")
    assert answered.status_code == 202
    assert api.get(f"/api/v1/returns/builds/{answered.json()['id']}/").json()["state"] == "done"


def test_the_census_through_the_api(cast, referred, api_for, built):
    api = api_for(cast.team_manager)
    assert api.post("/api/v1/returns/cin-census/", {"year": "soon"}, format="json").status_code == 400
    refused = api.post("/api/v1/returns/cin-census/", {"year": 2001}, format="json")
    assert refused.status_code == 400 and "year" in refused.json()
    made = built(api.post, "/api/v1/returns/cin-census/", {"year": current_year()}, format="json")
    assert made.status_code == 202 and made.json()["state"] == "queued"
    build = api.get(f"/api/v1/returns/builds/{made.json()['id']}/").json()
    assert build["children"] == 2 and build["children_with_errors"] == 1
    assert build["state"] == "done" and len(build["sha256"]) == 64
    download = api.get(f"/api/v1/returns/builds/{build['id']}/download/")
    assert download.status_code == 200 and b"<CINdetails>" in b"".join(download.streaming_content)
    assert api_for(cast.mash_manager).get(f"/api/v1/returns/builds/{build['id']}/").status_code == 404
    quality = api.get(f"/api/v1/returns/cin-census/{current_year()}/quality/").json()
    assert quality["count"] == 1
    row = quality["results"][0]
    assert row["name"] == "Nia Northam" and row["problems"][0]["rule"] == "8540"
    # Naming a child is a read of their record, logged as on the page.
    assert AccessLogEntry.objects.filter(record_type="person", record_id=referred.pk, via="api").exists()
    assert api.get("/api/v1/returns/cin-census/1999/quality/").status_code == 404


def test_the_quality_page_says_what_to_fix_and_where(cast, referred, client_for):
    client = client_for(cast.team_manager)
    body = client.get(reverse("returns:census-quality", args=[current_year()])).content.decode()
    assert "1 children with errors" in body and "Nia Northam" in body
    assert "8540" in body and f'href="/people/{referred.pk}/"' in body
    assert AccessLogEntry.objects.filter(record_type="person", record_id=referred.pk, via="page").exists()
    case_services.person_details_record(
        person=referred,
        by=cast.social_worker,
        sex="F",
        ethnicity="WBRI",
        disabilities=["NONE"],
        upn_unknown_reason="UN2",
    )
    body = client.get(reverse("returns:census-quality", args=[current_year()])).content.decode()
    assert "Nothing to fix" in body and "0 children with errors" in body


def test_a_restricted_child_is_counted_but_not_named(cast, referred, client_for):
    from audit.services import restriction_mark

    restriction_mark(
        family=referred.families.get(),
        category="staff_family",
        reason="A member of staff's family",
        by=cast.team_manager,
    )
    body = (
        client_for(cast.mash_manager)
        .get(reverse("returns:census-quality", args=[current_year()]))
        .content.decode()
    )
    assert "Restricted record" in body and "Nia Northam" not in body
    assert not AccessLogEntry.objects.filter(user=cast.mash_manager, record_type="person").exists()
    assert "1 children with errors" in body


def test_census_years_run_to_the_current_one():
    assert census_years_available(date(2026, 12, 3))[:2] == [2027, 2026]
    assert census_years_available(date(2026, 3, 31))[0] == 2026
