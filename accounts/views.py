"""Pages about the signed-in user's own account: signing in (the password, then the second factor)
and their API tokens."""

from base64 import b32encode
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import services
from accounts.forms import ApiTokenForm, AuthenticatorConfirmForm, SecondFactorCodeForm, SignInForm
from accounts.oidc import signed_in_with_single_sign_on, single_sign_on_enabled
from accounts.permissions import api_token_for_user
from accounts.selectors import api_tokens_live, authenticator_set_up, recovery_codes_left
from config.forms import form_add_service_errors


@login_required
def api_tokens(request):
    """The user's tokens, and a form to make one. A new token's key is shown in this answer alone."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    made = None
    if form.is_bound and form.is_valid():
        try:
            made = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                session=request.session,
                ends_with_sign_out=form.ends_with_sign_out,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    session_hash = services.api_token_session_hash(request.session)
    tokens = [
        (token, bool(session_hash) and token.session_hash == session_hash)
        for token in api_tokens_live(request.user)
    ]
    context = {
        "form": form,
        "made": made,
        "tokens": tokens,
        "hours": settings.API_TOKEN_HOURS,
        "most": settings.API_TOKENS_PER_USER,
    }
    return render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = api_token_for_user(request.user, pk)
    services.api_token_revoke(token=token)
    messages.success(request, f"The API token “{token.name}” is revoked: it no longer works.")
    return redirect("accounts:api-tokens")


# --- Signing in: the password, then the second factor -----------------------------------------

NEW_RECOVERY_CODES = "accounts.new_recovery_codes"  # in the session until the page shows them once


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "two_factor_required": settings.REQUIRE_TWO_FACTOR,
            "single_sign_on": single_sign_on_enabled(),
        }


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _asks_for_second_factor(request) -> bool:
    """These pages exist while a second factor is required, for password sign-ins only."""
    return settings.REQUIRE_TWO_FACTOR and not signed_in_with_single_sign_on(request)


def _verified(request, device) -> None:
    otp_login(request, device)
    request.session.cycle_key()  # a new session key for the stronger sign-in


def _qr_code_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=14, border=2)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1)


@login_required
def two_factor(request):
    """The second step of every sign-in: a code from the authenticator app, or a recovery code."""
    if not _asks_for_second_factor(request):
        raise Http404("No second factor is asked for.")
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not authenticator_set_up(request.user):
        return redirect(f"{reverse('accounts:two-factor-set-up')}?{urlencode({'next': _next_url(request)})}")
    form = SecondFactorCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            device = services.second_factor_verify(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            _verified(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"You used a recovery code: it will not work again. You have {left} left; "
                    "you can make new ones on the recovery codes page.",
                )
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/two_factor.html", context, status=400 if form.errors else 200)


@login_required
def two_factor_set_up(request):
    """First sign-in: add Continuum to an authenticator app, confirm it with a code, then get the
    recovery codes. Only before the user has an authenticator: changing it needs an administrator's
    reset, so a password alone can never add one."""
    if not _asks_for_second_factor(request):
        raise Http404("No second factor is asked for.")
    if authenticator_set_up(request.user):
        return redirect(f"{reverse('accounts:two-factor')}?{urlencode({'next': _next_url(request)})}")
    form = AuthenticatorConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            device, codes = services.totp_device_confirm(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            _verified(request, device)
            request.session[NEW_RECOVERY_CODES] = codes
            return redirect(f"{reverse('accounts:recovery-codes')}?{urlencode({'next': _next_url(request)})}")
    device = services.totp_device_prepare(user=request.user)
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": _next_url(request),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr_code": mark_safe(_qr_code_svg(device.config_url)),  # noqa: S308 (made here, from no input)
    }
    return render(request, "accounts/two_factor_set_up.html", context, status=400 if form.errors else 200)


@login_required
def recovery_codes(request):
    """New recovery codes are shown here once; a POST makes new ones (the old ones stop working)."""
    if not _asks_for_second_factor(request):
        raise Http404("No second factor is asked for.")
    if request.method == "POST":
        request.session[NEW_RECOVERY_CODES] = services.recovery_codes_regenerate(user=request.user)
        return redirect("accounts:recovery-codes")
    context = {
        "codes": request.session.pop(NEW_RECOVERY_CODES, None),
        "left": recovery_codes_left(request.user),
        "next": _next_url(request),
    }
    return render(request, "accounts/recovery_codes.html", context)
