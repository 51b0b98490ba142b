"""A second factor for password sign-ins (REQUIRE_TWO_FACTOR): an authenticator app (TOTP) and
one-time recovery codes (accounts/middleware.py, accounts/services.py)."""

import re
from base64 import b32encode
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

HOME = reverse("home")
SET_UP = reverse("accounts:two-factor-set-up")
CODE_PAGE = reverse("accounts:two-factor")
RECOVERY = reverse("accounts:recovery-codes")
API = "/api/v1/cases/"


@pytest.fixture
def required(settings):
    settings.REQUIRE_TWO_FACTOR = True


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the person's authenticator app shows (steps_ahead: the next 30 s, as a fresh code)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead):06d}"


def password_session(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return client


def shown_key(page) -> str:
    shown = re.search(r'<code class="app-secret" id="authenticator-key">([A-Z2-7 ]+)</code>', page.text)
    return shown.group(1).replace(" ", "")


def set_up(user) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_device_prepare(user=user)
    return services.totp_device_confirm(user=user, code=code_for(device))


def test_a_password_alone_reaches_only_the_set_up_page(cast, required):
    client = password_session("fh.worker")
    home = client.get(HOME)
    assert home.status_code == 302 and home["Location"] == f"{SET_UP}?next={quote('/', safe='')}"
    api = client.get(API)
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    assert client.get(reverse("cases:case-list")).status_code == 302
    assert client.get(reverse("admin:index")).status_code == 302
    page = client.get(SET_UP)
    assert page.status_code == 200
    assert 'id="navigation"' not in page.text  # no menu until the second factor is given
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_set_up_with_a_real_code_then_recovery_codes_shown_once(cast, required):
    client = password_session("fh.worker")
    page = client.get(SET_UP)
    device = TOTPDevice.objects.get(user=cast.fh_worker, confirmed=False)
    secret = b32encode(device.bin_key).decode()
    assert shown_key(page) == secret  # the key as text...
    assert "<svg " in page.text and "QR code for your authenticator app" in page.text  # ...and as a QR code
    assert shown_key(client.get(SET_UP)) == secret  # a reload shows the same key
    assert TOTPDevice.objects.filter(user=cast.fh_worker).count() == 1

    confirmed = client.post(SET_UP, {"code": code_for(device), "next": "/"})
    assert confirmed.status_code == 302 and confirmed["Location"].startswith(RECOVERY)
    codes_page = client.get(confirmed["Location"])
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", codes_page.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    again = client.get(RECOVERY)
    assert not any(code in again.text for code in codes)  # shown once only
    assert "You have 10 recovery codes" in again.text

    assert client.get(HOME).status_code == 200
    assert client.get(API).status_code == 200


def test_a_wrong_code_is_a_form_error(cast, required):
    client = password_session("fh.worker")
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=cast.fh_worker)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SET_UP, {"code": wrong})
    assert response.status_code == 400
    assert "That code did not work" in response.text
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(HOME).status_code == 302


def test_later_sign_ins_ask_for_the_code_and_go_where_they_were_going(cast, required):
    device, _ = set_up(cast.fh_worker)
    client = password_session("fh.worker")
    cases = reverse("cases:case-list")
    asked = client.get(cases)
    assert asked.status_code == 302 and asked["Location"] == f"{CODE_PAGE}?next={quote(cases, safe='')}"
    assert client.get(SET_UP)["Location"].startswith(CODE_PAGE)  # no second authenticator by password
    page = client.get(asked["Location"])
    assert page.status_code == 200
    response = client.post(CODE_PAGE, {"code": code_for(device, steps_ahead=1), "next": cases})
    assert response.status_code == 302 and response["Location"] == cases
    assert client.get(cases).status_code == 200
    assert client.get(API).status_code == 200


def test_a_used_authenticator_code_does_not_work_twice(cast, required):
    device, _ = set_up(cast.fh_worker)
    code = code_for(device, steps_ahead=1)
    first = password_session("fh.worker")
    assert first.post(CODE_PAGE, {"code": code}).status_code == 302
    second = password_session("fh.worker")
    assert second.post(CODE_PAGE, {"code": code}).status_code == 400
    assert second.get(HOME).status_code == 302


def test_a_password_alone_cannot_replace_the_authenticator(cast, required):
    set_up(cast.fh_worker)
    client = password_session("fh.worker")
    response = client.post(SET_UP, {"code": "123456"})
    assert response.status_code == 302 and response["Location"].startswith(CODE_PAGE)
    assert TOTPDevice.objects.filter(user=cast.fh_worker).count() == 1


def test_a_recovery_code_works_once(cast, required):
    _, codes = set_up(cast.fh_worker)
    first = password_session("fh.worker")
    used = first.post(CODE_PAGE, {"code": codes[0].upper().replace("-", " ")}, follow=True)
    assert used.status_code == 200 and "You used a recovery code" in used.text
    assert "You have 9 left" in used.text
    assert first.get(HOME).status_code == 200

    second = password_session("fh.worker")
    refused = second.post(CODE_PAGE, {"code": codes[0]})
    assert refused.status_code == 400 and "That code did not work" in refused.text
    assert second.get(HOME).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(cast, required):
    device, old = set_up(cast.fh_worker)
    client = password_session("fh.worker")
    client.post(CODE_PAGE, {"code": code_for(device, steps_ahead=1)})
    made = client.post(RECOVERY)
    assert made.status_code == 302
    new = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", client.get(RECOVERY).text)
    assert len(new) == 10 and not set(new) & set(old)
    assert password_session("fh.worker").post(CODE_PAGE, {"code": old[1]}).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # past the wrong code's slow-down
        assert password_session("fh.worker").post(CODE_PAGE, {"code": new[0]}).status_code == 302


def test_wrong_codes_slow_down_guessing(cast, required):
    device, _ = set_up(cast.fh_worker)
    client = password_session("fh.worker")
    client.post(CODE_PAGE, {"code": "000000" if code_for(device, 1) != "000000" else "111111"})
    right_but_too_soon = client.post(CODE_PAGE, {"code": code_for(device, steps_ahead=1)})
    assert right_but_too_soon.status_code == 400 and "Too many codes" in right_but_too_soon.text
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        assert client.post(CODE_PAGE, {"code": code_for(device, steps_ahead=1)}).status_code == 302


def test_an_administrator_resets_a_lost_second_factor(cast, settings):
    set_up(cast.fh_worker)
    admin = Client()
    admin.force_login(cast.administrator)  # the administrator role, not a superuser
    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "second_factor_reset", "_selected_action": [cast.fh_worker.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.fh_worker).exists()
    assert not StaticDevice.objects.filter(user=cast.fh_worker).exists()

    settings.REQUIRE_TWO_FACTOR = True
    client = password_session("fh.worker")
    assert client.get(HOME)["Location"].startswith(SET_UP)  # they set it up again


def test_django_otp_admin_pages_do_not_show_secrets(cast, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", PASSWORD)
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


def test_with_it_off_nothing_changes(cast, settings):
    settings.REQUIRE_TWO_FACTOR = False
    client = password_session("fh.worker")
    assert client.get(HOME).status_code == 200
    assert client.get(API).status_code == 200
    for page in (CODE_PAGE, SET_UP, RECOVERY):
        assert client.get(page).status_code == 404
    assert not TOTPDevice.objects.exists()


def test_the_sign_in_page_says_when_no_second_factor_is_asked(settings):
    demo = "In this demo, sign-in does not ask for a second factor; a council's live service does."
    settings.REQUIRE_TWO_FACTOR = False
    assert demo in Client().get(reverse("accounts:login")).text
    settings.REQUIRE_TWO_FACTOR = True
    assert demo not in Client().get(reverse("accounts:login")).text
