"""The auditor reads across their scope and exports, and changes nothing: no page offers them an
edit control, and every route that changes something refuses them, page and API alike."""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from tests.audit.routes import all_routes, route_path

pytestmark = pytest.mark.django_db

# What an auditor may post: signing in and out, the public self-referral form anyone may use,
# asking for a PDF chronology, breaking glass (a logged read of a restricted record), and marking
# their own notifications read.
AUDITOR_ACTIONS = (
    "sign-in",
    "sign-out",
    "help/",
    "chronology-export",
    "restricted/",
    "break-glass",
    "inbox/",
    "notifications",
    # The monthly step-down audit: drawing the sample and recording findings is the auditor's job,
    # and changes no case record.
    "step-down-audit",
    "step-downs/audit/",
    # Making the statutory returns is reading every child's record for the DfE, as a PDF
    # chronology is for one family: it changes no case record.
    "returns/",
    # Their own API tokens (for reading through the API): their account, not a case record.
    "tokens/",
)
SIGN_OUT_FORM = '<form method="post" action="/accounts/sign-out/" class="app-inline-form">'


def _pages(records):
    case, family = records["case"], records["family"]
    return [
        reverse("home"),
        reverse("cases:case-list"),
        reverse("cases:case-detail", args=[case]),
        reverse("cases:person-detail", args=[records["person"]]),
        reverse("cases:person-search") + "?name=Northam",
        reverse("assessments:assessment", args=[family]),
        reverse("pathways:decision", args=[case]),
        reverse("pathways:plan", args=[case]),
        reverse("referrals:contact", args=[records["contact"]]),
        reverse("referrals:letter", args=[records["contact"]]),
        reverse("disagreements:disagreement", args=[records["disagreement"]]),
    ]


def test_no_page_offers_the_auditor_an_edit_control(cast, records, client_for):
    client = client_for(cast.auditor)
    for page in _pages(records):
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        forms = re.findall(r'<form[^>]*method="post"[^>]*>', body)
        assert forms == [SIGN_OUT_FORM], f"{page} offers {forms}"
        for words in (
            "Record a conversation",
            "Add to the chronology",
            "Allocate",
            "Propose",
            "Restrict this",
        ):
            assert words not in body, f"{page} offers '{words}'"
    # A practitioner on the same case page does see the controls (so the check above can fail).
    worker_page = client_for(cast.team_manager).get(reverse("cases:case-detail", args=[records["case"]]))
    assert len(re.findall(r'<form[^>]*method="post"', worker_page.content.decode())) > 1


def _row_counts():
    return {
        model._meta.label: model.objects.count()
        for app in ("cases", "assessments", "pathways", "referrals", "escalation", "stepdown")
        for model in apps.get_app_config(app).get_models()
    }


def test_every_route_that_changes_something_refuses_the_auditor(cast, records):
    """Posts (and for the API puts, patches and deletes) to every route, with our records' ids:
    each answers 403, 404 or 405, and no row of case data changes."""
    client = Client(enforce_csrf_checks=False)
    client.force_login(cast.auditor)
    before = _row_counts()
    tried, accepted = [], []
    for route in sorted(set(all_routes())):
        if (
            "format" in route
            or route.startswith(("admin/", "^admin"))
            or any(a in route for a in AUDITOR_ACTIONS)
        ):
            continue
        path = route_path(route, records)
        if path is None:
            continue
        methods = ("post", "put", "patch", "delete") if path.startswith("/api/") else ("post",)
        for method in methods:
            response = getattr(client, method)(path, data={}, content_type="application/json")
            if response.status_code not in (403, 404, 405):
                accepted.append(f"{method.upper()} {path}: {response.status_code}")
            tried.append(path)
    assert accepted == [], "\n".join(accepted)
    assert len(set(tried)) >= 40
    after = _row_counts()
    # The only new rows: the access log's record of each refused attempt.
    from cases.access_log import REFUSED
    from cases.models import AccessLogEntry

    after["cases.AccessLogEntry"] -= AccessLogEntry.objects.filter(user=cast.auditor, reason=REFUSED).count()
    assert after == before
