"""API tokens (issue 15, 4): they expire, are stored hashed, are listed and revoked by their owner
alone, and end with the sign-out of the session they were made from unless made to outlive it."""

import hashlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_create

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"
TOKENS = "/api/v1/tokens/"
PAGE = "/accounts/tokens/"


def _with_key(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _signed_in(user) -> Client:
    """A browser of its own: its own session."""
    browser = Client()
    browser.force_login(user)
    return browser


def _key_from_page(response) -> str:
    page = response.content.decode()
    start = page.index('id="new-token-key"')
    value = page.index('value="', start) + len('value="')
    return page[value : page.index('"', value)]


def test_a_token_made_on_the_page_works_and_its_key_is_shown_only_once(cast, world):
    browser = _signed_in(cast.fh_worker)
    made = browser.post(PAGE, {"name": "Team export", "ends": "sign_out"})
    assert made.status_code == 200
    key = _key_from_page(made)
    assert key.startswith("continuum_") and "will not be shown again" in made.content.decode()

    answer = _with_key(key).get(CASES)
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [world.north_case.pk]
    assert "no-store" in answer["Cache-Control"]

    again = browser.get(PAGE).content.decode()
    assert "Team export" in again and "This session" in again
    assert key not in again and key[len("continuum_") :] not in again


def test_the_key_is_stored_only_as_a_hash(cast):
    made = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False)
    auth_token = AuthToken.objects.get(user=cast.fh_worker)
    stored = [
        *AuthToken.objects.filter(user=cast.fh_worker).values_list(flat=False).get(),
        *ApiToken.objects.filter(pk=made.token.pk).values_list(flat=False).get(),
    ]
    assert not any(made.key in str(value) for value in stored)
    assert auth_token.digest == hashlib.sha512(made.key.encode()).hexdigest()
    # Only the first characters are kept as they are, to find the token: not enough to use it.
    assert len(auth_token.token_key) == 15 and made.key.startswith(auth_token.token_key)


def test_a_token_works_until_it_expires_then_answers_401(cast):
    key = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False).key
    lifetime = timedelta(hours=settings.API_TOKEN_HOURS)
    with time_machine.travel(timezone.now() + lifetime - timedelta(minutes=1)):
        assert _with_key(key).get(CASES).status_code == 200
    with time_machine.travel(timezone.now() + lifetime + timedelta(minutes=1)):
        refused = _with_key(key).get(CASES)
        assert refused.status_code == 401
        assert refused["WWW-Authenticate"] == "Token"
    assert not AuthToken.objects.filter(user=cast.fh_worker).exists()  # and it is gone


def test_use_does_not_lengthen_a_token(cast):
    made = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False)
    expiry = made.token.auth_token.expiry
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert _with_key(made.key).get(CASES).status_code == 200
    made.token.auth_token.refresh_from_db()
    assert made.token.auth_token.expiry == expiry


def test_a_token_made_to_end_with_sign_out_ends_no_later_than_its_session(cast, settings):
    settings.SESSION_COOKIE_AGE = 3600
    browser = _signed_in(cast.fh_worker)
    browser.post(PAGE, {"name": "Short", "ends": "sign_out"})
    browser.post(PAGE, {"name": "Long", "ends": "expiry"})
    expiries = dict(ApiToken.objects.values_list("name", "auth_token__expiry"))
    assert expiries["Short"] <= timezone.now() + timedelta(hours=1)
    assert expiries["Long"] > timezone.now() + timedelta(hours=settings.API_TOKEN_HOURS - 1)


def test_you_list_only_your_own_tokens_and_never_a_key(cast, api_for):
    mine = api_token_create(user=cast.fh_worker, name="Mine", ends_with_sign_out=False)
    theirs = api_token_create(user=cast.social_worker, name="Theirs", ends_with_sign_out=False)
    _with_key(mine.key).get(CASES)

    answer = api_for(cast.fh_worker).get(TOKENS)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1 and [row["name"] for row in body["results"]] == ["Mine"]
    row = body["results"][0]
    assert "key" not in row and mine.key not in answer.content.decode()
    assert row["id"] == mine.token.pk and row["expires"] and row["last_used_at"]
    assert row["ends_with_sign_out"] is False and row["made_from_this_session"] is False

    page = _signed_in(cast.fh_worker).get(PAGE).content.decode()
    assert "Mine" in page and "Theirs" not in page and mine.key not in page
    assert theirs.key not in page


def test_a_token_made_through_the_api_comes_with_its_key_once(cast, api_for):
    api = api_for(cast.fh_worker)
    made = api.post(TOKENS, {"name": "Nightly report"}, format="json")
    assert made.status_code == 201
    body = made.json()
    assert body["key"].startswith("continuum_")
    assert body["ends_with_sign_out"] is True and body["made_from_this_session"] is True
    hours = (datetime.fromisoformat(body["expires"]) - timezone.now()).total_seconds() / 3600
    assert settings.API_TOKEN_HOURS - 0.1 < hours <= settings.API_TOKEN_HOURS
    assert _with_key(body["key"]).get(CASES).status_code == 200

    listed = api.get(TOKENS)
    assert [row["made_from_this_session"] for row in listed.json()["results"]] == [True]
    assert body["key"] not in listed.content.decode()


def test_a_token_cannot_make_another(cast):
    key = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False).key
    refused = _with_key(key).post(
        TOKENS, {"name": "Longer-lived", "ends_with_sign_out": False}, format="json"
    )
    assert refused.status_code == 403
    assert AuthToken.objects.filter(user=cast.fh_worker).count() == 1
    # It may still list and revoke.
    assert _with_key(key).get(TOKENS).json()["count"] == 1


def test_a_revoked_token_answers_401(cast, api_for):
    through_api = api_token_create(user=cast.fh_worker, name="One", ends_with_sign_out=False)
    on_the_page = api_token_create(user=cast.fh_worker, name="Two", ends_with_sign_out=False)

    assert api_for(cast.fh_worker).delete(f"{TOKENS}{through_api.token.pk}/").status_code == 204
    assert _with_key(through_api.key).get(CASES).status_code == 401

    browser = _signed_in(cast.fh_worker)
    revoked = browser.post(f"{PAGE}{on_the_page.token.pk}/revoke/", follow=True)
    assert revoked.status_code == 200 and "is revoked" in revoked.content.decode()
    assert _with_key(on_the_page.key).get(CASES).status_code == 401
    assert browser.get(f"{PAGE}{on_the_page.token.pk}/revoke/").status_code == 405  # POST only


def test_a_token_can_revoke_itself(cast):
    made = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False)
    assert _with_key(made.key).delete(f"{TOKENS}{made.token.pk}/").status_code == 204
    assert _with_key(made.key).get(CASES).status_code == 401


def test_someone_elses_token_answers_404_and_keeps_working(cast, api_for):
    theirs = api_token_create(user=cast.social_worker, name="Theirs", ends_with_sign_out=False)
    mine = api_token_create(user=cast.fh_worker, name="Mine", ends_with_sign_out=False)

    assert api_for(cast.fh_worker).delete(f"{TOKENS}{theirs.token.pk}/").status_code == 404
    assert _with_key(mine.key).delete(f"{TOKENS}{theirs.token.pk}/").status_code == 404
    assert _signed_in(cast.fh_worker).post(f"{PAGE}{theirs.token.pk}/revoke/").status_code == 404
    assert api_for(cast.fh_worker).delete(f"{TOKENS}{10**20}/").status_code == 404
    assert _with_key(theirs.key).get(CASES).status_code == 200


def test_signing_out_ends_the_tokens_made_to_end_with_that_session(cast):
    browser = _signed_in(cast.fh_worker)
    ends = _key_from_page(browser.post(PAGE, {"name": "Ends", "ends": "sign_out"}))
    outlives = _key_from_page(browser.post(PAGE, {"name": "Outlives", "ends": "expiry"}))
    elsewhere = _key_from_page(
        _signed_in(cast.fh_worker).post(PAGE, {"name": "Elsewhere", "ends": "sign_out"})
    )
    for key in (ends, outlives, elsewhere):
        assert _with_key(key).get(CASES).status_code == 200

    assert browser.post("/accounts/sign-out/").status_code == 302

    assert _with_key(ends).get(CASES).status_code == 401
    assert _with_key(outlives).get(CASES).status_code == 200
    assert _with_key(elsewhere).get(CASES).status_code == 200  # another session's sign-out is its own


def test_signing_out_of_the_api_session_ends_its_tokens(cast, api_for):
    api = api_for(cast.fh_worker)
    key = api.post(TOKENS, {"name": "Ends"}, format="json").json()["key"]
    kept = api.post(TOKENS, {"name": "Kept", "ends_with_sign_out": False}, format="json").json()["key"]
    api.post("/accounts/sign-out/")
    assert _with_key(key).get(CASES).status_code == 401
    assert _with_key(kept).get(CASES).status_code == 200


def test_deactivating_an_account_ends_its_tokens(cast):
    key = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False).key
    cast.fh_worker.is_active = False
    cast.fh_worker.save()
    assert not AuthToken.objects.filter(user=cast.fh_worker).exists()
    cast.fh_worker.is_active = True
    cast.fh_worker.save()
    assert _with_key(key).get(CASES).status_code == 401


def test_a_user_holds_a_limited_number_of_tokens(cast, api_for, settings):
    settings.API_TOKENS_PER_USER = 2
    api = api_for(cast.fh_worker)
    for name in ("One", "Two"):
        assert api.post(TOKENS, {"name": name}, format="json").status_code == 201
    refused = api.post(TOKENS, {"name": "Three"}, format="json")
    assert refused.status_code == 400
    assert "revoke one" in refused.json()["non_field_errors"][0]
    page = _signed_in(cast.fh_worker).post(PAGE, {"name": "Three", "ends": "sign_out"})
    assert page.status_code == 400 and "revoke one" in page.content.decode()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": ""}, {"name"}),
        ({"name": "x" * 101}, {"name"}),
        ({}, {"name"}),
        ({"name": "Fine", "ends_with_sign_out": "perhaps"}, {"ends_with_sign_out"}),
    ],
)
def test_bad_input_to_the_api_is_a_400_naming_the_field(cast, api_for, body, fields):
    answer = api_for(cast.fh_worker).post(TOKENS, body, format="json")
    assert answer.status_code == 400
    assert set(answer.json()) == fields
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "ends": "sign_out"}, "Give the token a name"),
        ({"name": "x" * 101, "ends": "sign_out"}, "at most 100 characters"),
        ({"name": "Fine", "ends": "never"}, "Select a valid choice"),
    ],
)
def test_bad_input_on_the_page_shows_the_problem(cast, data, message):
    answer = _signed_in(cast.fh_worker).post(PAGE, data)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "There is a problem" in page and message in page
    assert 'id="new-token-key"' not in page
    assert not AuthToken.objects.exists()


def test_without_credentials_the_api_answers_401_and_the_page_asks_you_to_sign_in(client):
    answer = APIClient().get(TOKENS)
    assert answer.status_code == 401 and answer["WWW-Authenticate"] == "Token"
    assert _with_key("continuum_not-a-real-token").get(TOKENS).status_code == 401
    page = client.get(PAGE)
    assert page.status_code == 302 and page["Location"].startswith("/accounts/sign-in/")
