"""What a browser may keep, and who may read the API's description (issue 15, 4)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_and_its_docs_are_for_signed_in_users(client, cast, api_for):
    assert client.get("/api/schema/").status_code in (401, 403)
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith(reverse("accounts:login"))
    assert api_for(cast.fh_worker).get("/api/schema/").status_code == 200
    assert api_for(cast.fh_worker).get("/api/docs/").status_code == 200


def test_nothing_shown_to_a_signed_in_user_may_be_stored(cast, world, client_for, api_for):
    page = client_for(cast.fh_worker).get(f"/cases/{world.north_case.pk}/")
    api = api_for(cast.fh_worker).get(f"/api/v1/cases/{world.north_case.pk}/")
    for response in (page, api):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_the_public_form_may_be_cached_as_usual(client):
    response = client.get("/help/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
