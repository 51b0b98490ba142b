"""Writes for accounts: roles and people who use the system."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from accounts.choices import Role
from accounts.models import API_TOKEN_NAME_LENGTH, Agency, ApiToken, Team, User
from accounts.roles import ROLE_PERMISSIONS
from accounts.signals import user_access_changed

logger = logging.getLogger(__name__)


def _permissions(codes: list[str]) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is None:
            # A database migrated only part of the way (or backwards) lacks some permissions;
            # the next full migrate adds them. A typo in the table is caught by the role tests.
            logger.warning("Role table names %s, which this database does not have yet", code)
            continue
        found.append(permission)
    return found


@transaction.atomic
def roles_sync() -> None:
    """Make every role's group hold exactly the permissions in ROLE_PERMISSIONS."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    first_name: str,
    last_name: str,
    email: str = "",
    agency: Agency | None,
    roles: list[str],
    teams: list[Team] = (),
    job_title: str = "",
    line_manager: User | None = None,
) -> User:
    unknown = set(roles) - set(Role.values)
    if unknown:
        raise ValueError(f"Unknown role(s): {', '.join(sorted(unknown))}")
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        agency=agency,
        job_title=job_title,
        line_manager=line_manager,
        is_staff=Role.ADMINISTRATOR in roles,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    user.teams.set(teams)
    user_access_changed.send(sender=User, user=user, by=None)
    return user


def user_access_saved(*, user: User, by: User | None) -> None:
    """An administrator saved a user's roles, teams or whether they may sign in (the user pages of
    the admin site save them): other apps hear of it (an account without a role waits in the
    administrators' trays until it has one)."""
    with transaction.atomic():
        user_access_changed.send(sender=User, user=user, by=by)


# --- API tokens (docs/security.md) ------------------------------------------------------------

# Kept in a session that has made a token: a random value whose hash ties the token to it. It
# survives the session's key changing (a second sign-in); sign-out empties the session.
SESSION_MARKER = "api_token_session"
# How often a token's last use is written down: not on every request.
USE_NOTED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class NewApiToken:
    """A token just made, and its key: shown to its owner once, kept nowhere."""

    token: ApiToken
    key: str


def _marker_hash(marker: str) -> str:
    return hashlib.sha256(marker.encode()).hexdigest()


def api_token_session_hash(session: SessionBase | None) -> str:
    """What ties tokens to this session; empty when it has made none."""
    marker = session.get(SESSION_MARKER) if session is not None else None
    return _marker_hash(marker) if marker else ""


def _live(tokens):
    return tokens.filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


@transaction.atomic
def api_token_create(
    *, user: User, name: str, session: SessionBase | None = None, ends_with_sign_out: bool = True
) -> NewApiToken:
    """Make an API token for `user`, lasting API_TOKEN_HOURS, never renewed.

    Made from a signed-in `session`, the token is tied to it, and when `ends_with_sign_out` it ends
    when that session signs out (`api_tokens_end_with_session`) and no later than the session would
    expire. Without a session (scripts, tests) a token cannot end with a sign-out. A user holds at
    most API_TOKENS_PER_USER tokens that still work."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so that you know it again in your list."})
    if len(name) > API_TOKEN_NAME_LENGTH:
        raise ValidationError({"name": f"Keep the name to {API_TOKEN_NAME_LENGTH} characters or fewer."})
    if ends_with_sign_out and session is None:
        raise ValidationError(
            {"ends_with_sign_out": "Only a token made from a signed-in session can end with its sign-out."}
        )
    owner = User.objects.select_for_update().get(pk=user.pk)  # one at a time, so the limit holds
    if not owner.is_active:
        raise ValidationError("This account is not active: it cannot have API tokens.")
    limit = settings.API_TOKENS_PER_USER
    if _live(AuthToken.objects.filter(user=owner)).count() >= limit:
        raise ValidationError(
            f"You have {limit} API tokens, the most you may hold at once: revoke one you no longer use."
        )
    AuthToken.objects.filter(user=owner, expiry__lte=timezone.now()).delete()

    lifetime = timedelta(hours=settings.API_TOKEN_HOURS)
    session_hash = ""
    if session is not None:
        marker = session.get(SESSION_MARKER)
        if not marker:
            marker = secrets.token_urlsafe(32)
            session[SESSION_MARKER] = marker
        session_hash = _marker_hash(marker)
        if ends_with_sign_out:
            session.modified = True  # saved now, with the expiry date the token keeps within
            lifetime = min(lifetime, session.get_expiry_date() - timezone.now())
    auth_token, key = AuthToken.objects.create(user=owner, expiry=lifetime)
    token = ApiToken.objects.create(
        auth_token=auth_token, name=name, session_hash=session_hash, ends_with_sign_out=ends_with_sign_out
    )
    logger.info(
        "API token %s made for user %s, ends with sign-out: %s", token.pk, owner.pk, ends_with_sign_out
    )
    return NewApiToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    """End a token now. The caller has found it among the user's own (accounts/permissions.py)."""
    AuthToken.objects.filter(pk=token.auth_token_id).delete()  # and its ApiToken with it
    logger.info("API token %s revoked", token.pk)


@transaction.atomic
def api_tokens_end_with_session(*, session: SessionBase | None) -> int:
    """End the tokens made from this session to end with its sign-out. Returns how many ended."""
    session_hash = api_token_session_hash(session)
    if not session_hash:
        return 0
    _, ended = AuthToken.objects.filter(
        details__session_hash=session_hash, details__ends_with_sign_out=True
    ).delete()
    count = ended.get(AuthToken._meta.label, 0)
    if count:
        logger.info("%s API token(s) ended with their session's sign-out", count)
    return count


@transaction.atomic
def api_tokens_revoke_all(*, user: User) -> int:
    """End every token a user has (their account was deactivated). Returns how many ended."""
    _, ended = AuthToken.objects.filter(user=user).delete()
    count = ended.get(AuthToken._meta.label, 0)
    if count:
        logger.info("%s API token(s) of user %s revoked", count, user.pk)
    return count


def api_token_used(*, auth_token: AuthToken) -> None:
    """Note that a token was just used (at most once a minute: not a write per request)."""
    now = timezone.now()
    ApiToken.objects.filter(auth_token=auth_token).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - USE_NOTED_EVERY)
    ).update(last_used_at=now)


# --- The second factor: an authenticator app (TOTP) and one-time recovery codes ---------------

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
WRONG_CODE = (
    "That code did not work. Enter the 6-digit code your authenticator app shows now, "
    "or one of your recovery codes."
)
TOO_MANY_CODES = "Too many codes that did not work. Wait a minute, then try again."
SET_UP_AGAIN = "Set-up has already finished or was reset: start again from the set-up page."


def _token(code: str) -> str:
    """What the person typed, as stored: no spaces or hyphens, lower case."""
    return "".join(code.split()).replace("-", "").lower()


def _recovery_codes_replace(user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME, confirmed=True)
    device.token_set.all().delete()
    tokens: set[str] = set()
    while len(tokens) < RECOVERY_CODE_COUNT:
        tokens.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in sorted(tokens))
    return [f"{token[:4]}-{token[4:]}" for token in sorted(tokens)]


def totp_device_prepare(*, user: User) -> TOTPDevice:
    """The authenticator the set-up page shows: unconfirmed, and the same one on every visit until
    it is confirmed. Refused once the user has one: a second is added only after an
    administrator's reset, never by someone who knows only the password."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(SET_UP_AGAIN)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator with a code it shows now. Returns it and the user's new recovery
    codes, which are shown once and never again (only their use is checked)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        if device is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            raise ValidationError(SET_UP_AGAIN)
        if not device.verify_is_allowed()[0]:
            raise ValidationError({"code": TOO_MANY_CODES})
        codes = None
        if device.verify_token(_token(code)):  # a failure is counted (and kept) by the device
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
            codes = _recovery_codes_replace(user)
    if codes is None:
        raise ValidationError({"code": WRONG_CODE})
    logger.info("User %s set up a second factor", user.pk)
    return device, codes


def second_factor_verify(*, user: User, code: str) -> TOTPDevice | StaticDevice:
    """The device that accepts this code: the authenticator for 6 digits, else the recovery codes,
    each of which works once. Wrong codes slow the device down (django-otp's throttling)."""
    token = _token(code)
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
        allowed = device is not None and device.verify_is_allowed()[0]
        verified = allowed and device.verify_token(token)
    if verified:
        logger.info("User %s gave their second factor (%s)", user.pk, model._meta.model_name)
        return device
    raise ValidationError({"code": TOO_MANY_CODES if device is not None and not allowed else WRONG_CODE})


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """New recovery codes for a user who has set up their authenticator; the old ones stop working."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(SET_UP_AGAIN)
    codes = _recovery_codes_replace(user)
    logger.info("User %s made new recovery codes", user.pk)
    return codes


@transaction.atomic
def second_factor_reset(*, user: User, by: User) -> None:
    """An administrator's reset (a lost phone): the authenticator and recovery codes are deleted, so
    the user sets up a new one at their next sign-in, and their sessions need it again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    logger.info("Second factor of user %s reset by user %s", user.pk, by.pk)
