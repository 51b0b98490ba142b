"""The access log (the audit issue, part 1): every read path logs, one INSERT a request,
append-only, and auditors search and export it."""

import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import AccessLogEntry
from tests.audit.routes import all_routes, route_path

pytestmark = pytest.mark.django_db

# Routes with a record in their path that are not reads (they only take POSTs), or whose record is
# not a child's or family's (notifications, clocks).
NOT_RECORD_READS = ("inbox/", "notifications", "clocks")


def test_every_read_of_a_record_is_logged(cast, records, client_for):
    """Walks every route that names a record and GETs it as the front-door manager (who sees
    everything): each one that answers is in the access log, with the family it belongs to."""
    from django.test import Client

    client = client_for(cast.mash_manager)
    auditor = Client()
    auditor.force_login(cast.auditor)
    checked, skipped = [], []
    for route in sorted(set(all_routes())):
        if not re.search(r"<(?:\w+:)?\w*pk>|\(\?P<\w*pk>", route) or "format" in route:
            continue
        if any(marker in route for marker in NOT_RECORD_READS):
            continue
        path = route_path(route, records)
        if path is None:
            skipped.append(route)
            continue
        before = AccessLogEntry.objects.count()
        response = client.get(path)
        if response.status_code == 403:  # a route for another role (the auditor's exports)
            response = auditor.get(path)
        if response.status_code == 405:  # POST-only: an action, not a read
            continue
        assert response.status_code in (200, 302), f"{path}: {response.status_code}"
        new = AccessLogEntry.objects.order_by("-pk")[: AccessLogEntry.objects.count() - before]
        assert new, f"{path} read a record without logging it"
        assert {entry.family_id for entry in new} == {records["family"]}, path
        assert all(entry.user_id in (cast.mash_manager.pk, cast.auditor.pk) for entry in new)
        checked.append(path)
    print(f"{len(checked)} read routes checked; needing other values: {skipped}")
    assert len(checked) >= 20


def test_a_page_view_costs_one_insert_and_says_where_from(cast, records, client_for, api_for):
    client = client_for(cast.mash_manager)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("cases:case-detail", args=[records["case"]])).status_code == 200
    inserts = [q for q in captured if q["sql"].startswith('INSERT INTO "audit_accesslogentry"')]
    assert len(inserts) == 1
    entry = AccessLogEntry.objects.latest("pk")
    assert (entry.record_type, entry.record_id, entry.via, entry.route) == (
        "case",
        records["case"],
        "page",
        "cases/<int:pk>/",
    )
    api_for(cast.auditor).get(f"/api/v1/people/{records['person']}/")
    entry = AccessLogEntry.objects.latest("pk")
    assert (entry.user, entry.record_type, entry.via) == (cast.auditor, "person", "api")


def test_refused_reads_are_not_logged_as_reads(cast, records, client_for):
    from cases.access_log import REFUSED

    before = AccessLogEntry.objects.exclude(reason=REFUSED).count()
    assert (
        client_for(cast.school_dsl).get(reverse("cases:case-detail", args=[records["case"]])).status_code
        == 404
    )
    assert AccessLogEntry.objects.exclude(reason=REFUSED).count() == before  # only as refused


def test_the_log_cannot_be_changed_or_deleted(cast, records, client_for):
    client_for(cast.mash_manager).get(reverse("cases:case-detail", args=[records["case"]]))
    entry = AccessLogEntry.objects.latest("pk")
    for attempt in (
        lambda: AccessLogEntry.objects.filter(pk=entry.pk).update(reason="tampered"),
        lambda: AccessLogEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()


def test_auditors_search_and_export_and_nobody_else(cast, records, client_for, api_for):
    client_for(cast.mash_manager).get(reverse("cases:case-detail", args=[records["case"]]))
    for user in (cast.fh_worker, cast.team_manager, cast.school_dsl):
        assert client_for(user).get(reverse("audit:access-log")).status_code == 403
        assert api_for(user).get("/api/v1/access-log/").status_code == 403
    auditor = client_for(cast.auditor)
    page = auditor.get(reverse("audit:access-log"), {"record_type": "case", "record_id": records["case"]})
    assert page.status_code == 200 and "mash.manager" in page.content.decode()
    bad = auditor.get(reverse("audit:access-log"), {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert bad.status_code == 400 and "on or after the start date" in bad.content.decode()
    export = auditor.get(reverse("audit:access-log-export"), {"username": "mash.manager"})
    body = b"".join(export.streaming_content).decode()
    assert export["Content-Type"] == "text/csv" and body.startswith("at,username,record_type")
    assert f"mash.manager,case,{records['case']}," in body
    rows = api_for(cast.administrator).get("/api/v1/access-log/", {"family_id": records["family"]}).json()
    assert rows["results"] and {row["family_id"] for row in rows["results"]} == {records["family"]}


def test_the_log_pages_newest_first_by_time_and_id_without_counting_it(cast, client_for, api_for):
    """Keyset pages: each older page starts where the last ended, whatever is read meanwhile, and
    entries written in the same microsecond are neither lost nor shown twice."""
    from datetime import timedelta

    from django.utils import timezone

    from audit.selectors import access_log_page, access_log_search
    from cases.models import AccessLogEntry

    start = timezone.now() - timedelta(days=1)
    # 250 reads, pairs of them at the same moment.
    for n in range(250):
        AccessLogEntry.objects.create(
            at=start + timedelta(seconds=n // 2),
            user=cast.social_worker,
            record_type="case",
            record_id=n + 1,
            route="cases:case-detail",
            method="GET",
            via="page",
        )
    entries = access_log_search({"username": "social.worker"})
    seen, before = [], ""
    while True:
        page = access_log_page(entries, before, size=100)
        seen += [entry.record_id for entry in page.entries]
        if not page.older:
            break
        before = page.older
    assert seen == list(range(250, 0, -1))

    client = client_for(cast.auditor)
    first = client.get(reverse("audit:access-log"), {"username": "social.worker"})
    html = first.content.decode()
    assert first.status_code == 200 and "Older reads" in html and "Newest reads" not in html
    older = access_log_page(entries, "", size=100).older
    second = client.get(reverse("audit:access-log"), {"username": "social.worker", "before": older})
    assert second.status_code == 200 and "Newest reads" in second.content.decode()
    assert (
        "C000150" in second.content.decode()
        or ">150<" in second.content.decode()
        or "150" in second.content.decode()
    )
    for bad in ("x", "1.2.3", "99999999999999999999.1"):
        refused = client.get(reverse("audit:access-log"), {"before": bad})
        assert refused.status_code == 400 and "not one of this page" in refused.content.decode(), bad

    api = api_for(cast.auditor)
    body = api.get("/api/v1/access-log/", {"username": "social.worker"}).json()
    assert "count" not in body and len(body["results"]) == 100 and body["next"]
    following = api.get(body["next"]).json()
    assert [row["record_id"] for row in following["results"]] == list(range(150, 50, -1))
