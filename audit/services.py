"""Restricted records: a manager marks a person or family restricted and names who may open it;
others break glass with a reason (logged, told to the record's managers, listed in the weekly
report). The restriction rows and the rules that apply them to every query are the cases app's
(cases/models.py, cases/permissions.py); this is the workflow around them."""

from collections import Counter
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.choices import Role
from cases.access_log import access_log_write
from cases.choices import RestrictionCategory, RestrictionEventKind
from cases.models import BreakGlass, Restriction, RestrictionAccess, RestrictionEvent
from cases.permissions import require_restricter
from config.models import lock_current
from escalation.services import notify

# --- Restricted records -----------------------------------------------------------------------

MIN_REASON = 10


def _reason(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_REASON:
        raise ValidationError({field: f"{what} (at least {MIN_REASON} characters)."})
    return value


def _event(restriction: Restriction, kind: str, by, *, user=None, note: str = "") -> None:
    RestrictionEvent.objects.create(
        restriction=restriction, kind=kind, by=by, user=user, note=note, at=timezone.now()
    )


def _name(restriction: Restriction, user, by) -> None:
    if not user.is_active:
        raise ValidationError({"user": f"{user} is not an active user."})
    RestrictionAccess.objects.create(restriction=restriction, user=user, added_by=by, added_at=timezone.now())
    _event(restriction, RestrictionEventKind.NAMED, by, user=user)


@transaction.atomic
def restriction_mark(
    *, by, category: str, reason: str, family=None, person=None, named_users=()
) -> Restriction:
    """Restrict a family's or a person's record. The manager marking it is named on it, with the
    people they name; nobody else opens it without breaking glass."""
    require_restricter(by)
    errors = {}
    if (family is None) == (person is None):
        errors["__all__"] = "Restrict either a family or a person."
    if category not in RestrictionCategory.values:
        errors["category"] = "Choose why the record is restricted."
    try:
        reason = _reason(reason, "reason", "Say why the record is restricted")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    record = family or person
    type(record).objects.select_for_update().filter(pk=record.pk).first()  # one marking at a time
    live = Restriction.objects.filter(lifted_at__isnull=True, family=family, person=person).first()
    if live:
        raise ValidationError(
            f"This record is already restricted (R-{live.pk}). Name people on that restriction instead."
        )
    try:
        with transaction.atomic():
            restriction = Restriction.objects.create(
                family=family,
                person=person,
                category=category,
                reason=reason,
                marked_by=by,
                marked_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError("This record has just been restricted by someone else.") from None
    _event(restriction, RestrictionEventKind.MARKED, by, note=reason)
    for user in {by, *named_users}:
        _name(restriction, user, by)
    return restriction


def _locked(restriction: Restriction, version) -> Restriction:
    current = lock_current(restriction, version, what="this restriction", field=None)
    if not current.is_live:
        raise ValidationError("This restriction has been lifted.")
    Restriction.objects.filter(pk=current.pk).update(version=F("version") + 1)
    current.version += 1
    return current


@transaction.atomic
def restriction_name_user(*, restriction: Restriction, user, by, version=None) -> Restriction:
    """Name one more person who may open the record."""
    restriction = _locked(restriction, version)
    if restriction.named.filter(user=user, removed_at__isnull=True).exists():
        raise ValidationError({"user": f"{user} is already named on this restriction."})
    _name(restriction, user, by)
    return restriction


@transaction.atomic
def restriction_unname_user(*, restriction: Restriction, user, by, version=None) -> Restriction:
    """Take someone off. A manager who can look after the restriction must stay on it."""
    restriction = _locked(restriction, version)
    access = restriction.named.filter(user=user, removed_at__isnull=True).first()
    if access is None:
        raise ValidationError({"user": f"{user} is not named on this restriction."})
    staying = restriction.named.filter(removed_at__isnull=True).exclude(pk=access.pk)
    if not any(named.user.has_perm("cases.restrict_record") for named in staying.select_related("user")):
        raise ValidationError({"user": "A manager must stay named on the restriction to look after it."})
    RestrictionAccess.objects.filter(pk=access.pk).update(removed_at=timezone.now(), removed_by=by)
    _event(restriction, RestrictionEventKind.UNNAMED, by, user=user)
    return restriction


@transaction.atomic
def restriction_lift(*, restriction: Restriction, by, reason: str, version=None) -> Restriction:
    """Lift the restriction: the record is open again to everyone whose role lets them see it."""
    reason = _reason(reason, "reason", "Say why the restriction is no longer needed")
    restriction = _locked(restriction, version)
    now = timezone.now()
    Restriction.objects.filter(pk=restriction.pk).update(lifted_at=now, lifted_by=by, lift_reason=reason)
    _event(restriction, RestrictionEventKind.LIFTED, by, note=reason)
    restriction.refresh_from_db()
    return restriction


def restriction_managers(restriction: Restriction) -> list:
    """Who looks after a restricted record: the managers named on it (who alone can open the
    restriction's page and report)."""
    User = get_user_model()
    named = RestrictionAccess.objects.filter(restriction=restriction, removed_at__isnull=True)
    people = User.objects.filter(pk__in=named.values("user_id"), is_active=True).order_by("pk")
    return [user for user in people if user.has_perm("cases.restrict_record")]


@transaction.atomic
def restriction_break_glass(
    *, user, restrictions, record_type: str, record_id: int, family_id, reason: str, route: str, via: str
) -> list[BreakGlass]:
    """Open a restricted record the user could otherwise see, stating why. `restrictions` are those
    closed to them that cover it (cases.permissions.restrictions_covering). The reason goes in the
    access log; the record's managers are told; access lasts BREAK_GLASS_HOURS."""
    reason = _reason(reason, "reason", "Say why you need to open this record")
    now = timezone.now()
    expires = now + timedelta(hours=settings.BREAK_GLASS_HOURS)
    openings = [
        BreakGlass.objects.create(
            restriction=restriction,
            user=user,
            reason=reason,
            record_type=record_type,
            record_id=record_id,
            at=now,
            expires_at=expires,
        )
        for restriction in restrictions
    ]
    if not openings:
        return []
    access_log_write(
        user=user,
        record_type=record_type,
        record_id=record_id,
        family_id=family_id,
        route=route,
        via=via,
        method="POST",
        reason=reason,
    )
    for opening in openings:
        for manager in restriction_managers(opening.restriction):
            if manager.pk == user.pk:
                continue
            notify(
                user=manager,
                key=f"break-glass:{opening.pk}:{manager.pk}",
                what=f"{user} broke glass to open restricted record R-{opening.restriction_id}",
                why="A restricted record was opened by someone not named on it; their reason is recorded.",
                url=opening.restriction.get_absolute_url(),
                statutory=False,
            )
    return openings


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def break_glass_report_send(*, today: date | None = None) -> int:
    """The weekly report: tell auditors, and each restricted record's managers, how many times
    glass was broken last week (Monday to Sunday), with a link to the list. Once per person per
    week, however often it runs."""
    today = today or timezone.localdate()
    start = week_start(today) - timedelta(days=7)
    begin = timezone.make_aware(datetime.combine(start, time.min))
    openings = BreakGlass.objects.filter(at__gte=begin, at__lt=begin + timedelta(days=7))
    per_restriction = Counter(openings.values_list("restriction_id", flat=True))
    counts: Counter = Counter()
    for restriction in Restriction.objects.filter(pk__in=per_restriction):
        for manager in restriction_managers(restriction):
            counts[manager] += per_restriction[restriction.pk]
    if per_restriction:
        User = get_user_model()
        for auditor in User.objects.filter(is_active=True, groups__name=Role.AUDITOR).distinct():
            counts[auditor] = per_restriction.total()
    for recipient, count in counts.items():
        notify(
            user=recipient,
            key=f"break-glass-week:{start.isoformat()}:{recipient.pk}",
            what=f"{count} break-glass opening{'s' if count != 1 else ''} in the week of {start:%d %B %Y}",
            why="Weekly report of restricted records opened by people not named on them.",
            url=f"/audit/break-glass/?week={start.isoformat()}",
            statutory=False,
        )
    return len(counts)
