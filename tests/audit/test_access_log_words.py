"""The access log in words ("Case C000050 · case page"), and refused attempts logged and marked."""

import pytest
from django.urls import reverse

from audit.route_words import ROUTE_WORDS, _names_by_route, record_in_words, route_in_words
from cases.access_log import REFUSED
from cases.models import AccessLogEntry

pytestmark = pytest.mark.django_db


def _log_page(client_for, cast, **search):
    return client_for(cast.auditor).get(reverse("audit:access-log"), search).content.decode()


def test_the_log_names_records_and_routes_in_words(cast, world, client_for, api_for):
    case = world.north_case
    client_for(cast.fh_worker).get(reverse("cases:case-detail", args=[case.pk]))
    api_for(cast.fh_worker).get(f"/api/v1/people/{world.north_child.pk}/")
    page = _log_page(client_for, cast, username="fh.worker")
    assert f"Case {case.reference} · case page" in page
    assert f"Person P{world.north_child.pk} · person (API)" in page
    assert "cases/&lt;int:pk&gt;/" not in page and "(?P&lt;pk&gt;" not in page  # no raw routes


def test_a_contact_is_named_by_its_reference(cast, records, client_for):
    from referrals.models import Contact

    contact = Contact.objects.get(family_id=records["family"])
    client_for(cast.mash_manager).get(reverse("referrals:contact", args=[contact.pk]))
    page = _log_page(client_for, cast, username="mash.manager", record_type="contact")
    assert f"Request for support {contact.reference} · front-door contact" in page


def test_a_refused_attempt_is_logged_and_marked(cast, world, client_for):
    case = world.north_case
    response = client_for(cast.fh_worker_south).get(reverse("cases:case-detail", args=[case.pk]))
    assert response.status_code == 404
    entry = AccessLogEntry.objects.get(user=cast.fh_worker_south, record_type="case", record_id=case.pk)
    assert entry.reason == REFUSED and entry.route == "cases/<int:pk>/" and entry.method == "GET"
    page = _log_page(client_for, cast, username="fh.worker.south")
    assert f"Case {case.reference} · case page" in page
    assert '<strong class="govuk-tag govuk-tag--red">Refused</strong>' in page


def test_a_refused_api_read_and_a_missing_record_are_marked_too(cast, world, api_for):
    api = api_for(cast.school_dsl)
    assert api.get(f"/api/v1/families/{world.north_case.family_id}/").status_code == 404
    assert api.get("/api/v1/cases/999999/").status_code == 404
    refused = AccessLogEntry.objects.filter(user=cast.school_dsl, reason=REFUSED, via="api")
    assert set(refused.values_list("record_type", "record_id")) == {
        ("family", world.north_case.family_id),
        ("case", 999999),
    }


def test_a_successful_read_is_not_marked_refused(cast, world, client_for):
    client_for(cast.fh_worker).get(reverse("cases:case-detail", args=[world.north_case.pk]))
    assert AccessLogEntry.objects.filter(user=cast.fh_worker).exclude(reason=REFUSED).exists()
    assert not AccessLogEntry.objects.filter(user=cast.fh_worker, reason=REFUSED).exists()


def test_a_reason_a_person_gives_can_never_read_as_refused():
    from audit.services import MIN_REASON

    assert len(REFUSED) < MIN_REASON


def test_every_named_route_in_words_exists():
    names = set(_names_by_route().values())
    assert set(ROUTE_WORDS) - names == set()


def test_words_for_routes_and_records():
    assert route_in_words("cases/<int:pk>/") == "case page"
    assert route_in_words("families/<int:pk>/") == "family page"
    assert route_in_words("api/v1/cases/(?P<pk>[^/.]+)/$", "api") == "case (API)"
    assert route_in_words("/audit/access-log.csv?username=x") == "access log export (CSV)"
    assert route_in_words("something/gone/") == "something/gone/"
    assert record_in_words("case", 50) == "Case C000050"


def test_auditors_can_search_for_refused_attempts_only(cast, world, client_for, api_for):
    case = world.north_case
    client_for(cast.fh_worker_south).get(reverse("cases:case-detail", args=[case.pk]))
    client_for(cast.fh_worker).get(reverse("cases:case-detail", args=[case.pk]))
    refused = _log_page(client_for, cast, record_type="case", record_id=case.pk, outcome="refused")
    assert "fh.worker.south" in refused and '<td class="govuk-table__cell">fh.worker</td>' not in refused
    reads = _log_page(client_for, cast, record_type="case", record_id=case.pk, outcome="read")
    assert '<td class="govuk-table__cell">fh.worker</td>' in reads and "fh.worker.south" not in reads
    rows = api_for(cast.auditor).get("/api/v1/access-log/", {"outcome": "refused"}).json()["results"]
    assert rows and {row["reason"] for row in rows} == {REFUSED}
