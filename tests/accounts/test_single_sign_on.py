"""Single sign-on with OpenID Connect (accounts/oidc.py), against a real provider the test runs
(tests/accounts/oidc_provider.py): mozilla-django-oidc fetches its tokens, keys and claims over HTTP."""

import logging
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import PASSWORD
from tests.accounts.oidc_provider import OIDCProvider

pytestmark = pytest.mark.django_db

BUTTON = "Sign in with your council account"
NOT_SIGNED_IN = "You could not be signed in with your council account"


@pytest.fixture(scope="module")
def provider():
    running = OIDCProvider(client_id="continuum-test", client_secret="provider-test-secret").start()
    yield running
    running.stop()


@pytest.fixture
def sso(provider, settings):
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    return provider


class _Stop(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the browser, not urllib, would follow the provider back to Continuum


def sign_in_with_provider(client: Client, provider: OIDCProvider, claims: dict, next_url: str = ""):
    """The browser's journey: Continuum → the provider's sign-in → back to Continuum's callback."""
    provider.sign_in_as = claims
    start = client.get(reverse("oidc_authentication_init") + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302 and start["Location"].startswith(f"{provider.url}/authorize?")
    asked = parse_qs(urlparse(start["Location"]).query)
    assert asked["scope"] == ["openid email profile"] and "nonce" in asked and "code_challenge" in asked
    try:
        urllib.request.build_opener(_Stop).open(start["Location"], timeout=10)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        back = urlparse(redirect.headers["Location"])
    else:
        pytest.fail("the provider did not send the browser back")
    assert back.path == reverse("oidc_authentication_callback")
    return client.get(f"{back.path}?{back.query}")


def signed_in_as(client: Client):
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def test_a_council_account_signs_in_as_the_continuum_account_with_its_email(cast, sso, settings):
    settings.REQUIRE_TWO_FACTOR = True  # the provider asks for its own second factor: not asked again
    cast.fh_worker.email = "Femi.Harper@Council.example.gov.uk"
    cast.fh_worker.save(update_fields=["email"])
    client = Client()
    cases = reverse("cases:case-list")
    response = sign_in_with_provider(
        client, sso, {"sub": "entra-1", "email": "femi.harper@council.example.gov.uk"}, next_url=cases
    )
    assert response.status_code == 302 and response["Location"] == cases
    assert signed_in_as(client) == cast.fh_worker
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200
    assert client.get(reverse("accounts:two-factor")).status_code == 404


def test_an_email_continuum_does_not_know_is_not_signed_in_and_no_account_is_made(cast, sso):
    users = User.objects.count()
    client = Client()
    response = sign_in_with_provider(client, sso, {"sub": "entra-2", "email": "someone.else@example.gov.uk"})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert signed_in_as(client) is None
    assert NOT_SIGNED_IN in client.get(response["Location"]).text
    assert User.objects.count() == users


def test_a_disabled_account_is_not_signed_in(cast, sso):
    cast.social_worker.email = "sam.walker@council.example.gov.uk"
    cast.social_worker.is_active = False
    cast.social_worker.save(update_fields=["email", "is_active"])
    client = Client()
    response = sign_in_with_provider(
        client, sso, {"sub": "entra-3", "email": "sam.walker@council.example.gov.uk"}
    )
    assert response["Location"] == reverse("accounts:login")
    assert signed_in_as(client) is None


def test_an_account_is_made_only_when_the_setting_says_so(cast, sso, settings):
    settings.OIDC_CREATE_USERS = True
    settings.OIDC_CREATE_USER = True
    client = Client()
    claims = {"sub": "entra-4", "email": "New.Starter@council.example.gov.uk"} | {
        "given_name": "New",
        "family_name": "Starter",
    }
    sign_in_with_provider(client, sso, claims)
    user = signed_in_as(client)
    assert user.email == "New.Starter@council.example.gov.uk" and user.get_full_name() == "New Starter"
    assert user.roles == frozenset() and not user.is_staff and not user.has_usable_password()
    # It waits for an administrator to give it a role (tests/accounts/test_role_wait.py).
    from escalation.selectors import tray

    assert tray(cast.administrator).filter(kind="account_role", object_id=user.pk).exists()


def test_the_email_and_claims_are_never_logged(cast, sso, caplog):
    caplog.set_level(logging.DEBUG)
    cast.ecpp.email = "erin.cole@council.example.gov.uk"
    cast.ecpp.save(update_fields=["email"])
    sign_in_with_provider(Client(), sso, {"sub": "entra-5", "email": "erin.cole@council.example.gov.uk"})
    sign_in_with_provider(Client(), sso, {"sub": "entra-6", "email": "unknown.person@example.gov.uk"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "signed in with single sign-on" in logged
    for secret in ("erin.cole", "unknown.person", "entra-5", "entra-6"):
        assert secret not in logged


def test_the_sign_in_page_offers_it_only_when_it_is_set_up(sso, settings):
    page = Client().get(reverse("accounts:login"))
    assert BUTTON in page.text and reverse("oidc_authentication_init") in page.text
    settings.OIDC_RP_CLIENT_ID = ""
    assert BUTTON not in Client().get(reverse("accounts:login")).text
    assert Client().get(reverse("oidc_authentication_init")).status_code == 404
    assert Client().get(reverse("oidc_authentication_callback") + "?code=x&state=y").status_code == 404


def test_a_password_sign_in_never_sends_a_code_to_the_provider(cast, sso):
    """authenticate() tries every backend: a refused password with ?code= in the address must not
    make the single sign-on backend post that code to the provider."""
    before = sso.token_requests
    client = Client()
    address = reverse("accounts:login") + "?code=stolen&state=whatever"
    response = client.post(address, {"username": "fh.worker", "password": "wrong-one-1"})
    assert response.status_code == 200 and signed_in_as(client) is None
    assert sso.token_requests == before
    assert Client().login(username="fh.worker", password=PASSWORD)


def test_an_id_token_made_for_another_client_is_refused(cast, sso):
    cast.fh_worker.email = "femi.harper@council.example.gov.uk"
    cast.fh_worker.save(update_fields=["email"])
    sso.audience = "some-other-application"
    try:
        client = Client()
        response = sign_in_with_provider(
            client, sso, {"sub": "entra-7", "email": "femi.harper@council.example.gov.uk"}
        )
    finally:
        sso.audience = None
    assert response["Location"] == reverse("accounts:login")
    assert signed_in_as(client) is None
