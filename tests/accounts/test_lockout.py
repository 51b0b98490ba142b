"""Failed password sign-ins lock the username and the address for a while (accounts/lockout.py),
with one answer whether or not the account exists."""

import base64
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.lockout import client_ip
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"
LOCKED = "Sign-in is paused after too many attempts that did not work"
NOT_RIGHT = "Please enter a correct username and password"


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def error_summary(response) -> str:
    found = re.search(r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', response.text, re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else ""


def signed_in(client) -> bool:
    return SESSION_KEY in client.session


def answers(username, password_after):
    client = Client()
    seen = [(r.status_code, error_summary(r)) for r in (sign_in(client, username, WRONG) for _ in range(5))]
    last = sign_in(client, username, password_after)
    seen.append((last.status_code, error_summary(last)))
    return client, seen


def test_five_wrong_passwords_then_the_right_one_is_still_refused(cast):
    client, seen = answers("fh.worker", PASSWORD)
    assert all(status == 200 and NOT_RIGHT in error for status, error in seen[:4])
    # The fifth failure pauses sign-in, and then the right password gets the same pause, not a welcome.
    assert seen[4][0] == 429 and LOCKED in seen[4][1]
    assert seen[5] == seen[4]
    assert "30 minutes" in seen[5][1]
    assert not signed_in(client)
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_username_gets_exactly_the_same_answers(cast):
    _, known = answers("fh.worker", PASSWORD)
    _, unknown = answers("no.such.person", "any-password-at-all")
    assert unknown == known


def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(cast):
    cast.fh_worker.is_active = False
    cast.fh_worker.save(update_fields=["is_active"])
    disabled = sign_in(Client(), "fh.worker", PASSWORD)
    unknown = sign_in(Client(), "no.such.person", PASSWORD, address="10.0.0.2")
    assert (disabled.status_code, error_summary(disabled)) == (unknown.status_code, error_summary(unknown))


def test_the_lock_follows_the_username_to_another_address(cast):
    answers("fh.worker", WRONG)
    response = sign_in(Client(), "fh.worker", PASSWORD, address="192.0.2.50")
    assert response.status_code == 429 and LOCKED in error_summary(response)


def test_an_address_is_locked_after_its_own_limit_across_usernames(cast, settings):
    settings.AXES_IP_FAILURE_LIMIT = 3
    for username in ("anna", "bob", "carol"):  # password spraying: one try per name
        assert sign_in(Client(), username, WRONG, address="198.51.100.7").status_code in (200, 429)
    refused = sign_in(Client(), "social.worker", PASSWORD, address="198.51.100.7")
    assert refused.status_code == 429 and LOCKED in error_summary(refused)
    elsewhere = Client()
    assert sign_in(elsewhere, "social.worker", PASSWORD, address="198.51.100.8").status_code == 302
    assert signed_in(elsewhere)


def test_an_address_below_its_limit_does_not_lock_colleagues(cast):
    """Five different people mistyping once from the council's one address lock nobody."""
    for username in ("fh.worker", "ecpp", "auditor", "team.manager", "mash.manager"):
        sign_in(Client(), username, WRONG, address="203.0.113.1")
    assert sign_in(Client(), "social.worker", PASSWORD, address="203.0.113.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(cast):
    answers("fh.worker", WRONG)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        client = Client()
        assert sign_in(client, "fh.worker", PASSWORD).status_code == 302
        assert signed_in(client)


def test_an_administrator_unlocks_with_the_command(cast):
    answers("fh.worker", WRONG)
    call_command("axes_reset_username", "fh.worker", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = Client()
    assert sign_in(client, "fh.worker", PASSWORD).status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_in_the_admin(cast):
    answers("fh.worker", WRONG)
    admin = Client()
    admin.force_login(cast.administrator)  # the administrator role, not a superuser
    changelist = reverse("admin:axes_accessattempt_changelist")
    listed = admin.get(changelist)
    assert listed.status_code == 200 and "fh.worker" in listed.text
    attempts = list(AccessAttempt.objects.filter(username="fh.worker").values_list("pk", flat=True))
    deleted = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"}
    )
    assert deleted.status_code == 302
    assert not AccessAttempt.objects.filter(username="fh.worker").exists()
    assert sign_in(Client(), "fh.worker", PASSWORD).status_code == 302


def test_password_authentication_in_the_api_is_locked_too(cast):
    """Any DRF authentication that takes a password passes its request to authenticate(), so the
    same lock applies (today the API takes session cookies and tokens, not passwords)."""

    def basic(password):
        credentials = base64.b64encode(f"fh.worker:{password}".encode()).decode()
        request = RequestFactory().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Basic {credentials}")
        return BasicAuthentication().authenticate(Request(request))

    assert basic(PASSWORD)[0] == cast.fh_worker
    answers("fh.worker", WRONG)
    with pytest.raises(AuthenticationFailed):
        basic(PASSWORD)


def test_tests_and_the_shell_still_sign_in_without_a_request(cast, client):
    answers("fh.worker", WRONG)
    assert client.login(username="social.worker", password=PASSWORD)
    client.force_login(cast.fh_worker)
    assert client.get(reverse("home")).status_code == 200


def test_failed_sign_ins_log_no_username_or_address(cast, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(6):
        sign_in(Client(), "pat.example.person", WRONG, address="192.0.2.77")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in logged  # the events are logged...
    assert "pat.example.person" not in logged and "192.0.2.77" not in logged  # ...not who or where


def test_the_address_behind_trusted_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert client_ip(request) == "10.1.1.1"  # no proxy trusted: the connecting address
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # what our proxy saw; the client's own claim is ignored
