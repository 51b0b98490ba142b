"""The clock engine: timescales, clocks started and met by the services that own the event,
pausing, cancelling, manager-only due changes, and the sweep (the clocks issue)."""

import threading
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from cases.choices import ChronologyKind
from cases.models import ChronologyEntry
from escalation.calendar import working_hours_after
from escalation.models import Clock, ClockEvent, Notification
from escalation.services import (
    clock_cancel,
    clock_due_change,
    clock_meet,
    clock_pause,
    clock_resume,
    clock_start,
    clocks_sweep,
    notifications_email,
)
from escalation.timescales import due_for, parse_span, timescales

pytestmark = pytest.mark.django_db
LONDON = timezone.get_fixed_timezone(0)


def at(*args):
    return timezone.make_aware(datetime(*args))


def test_working_hours_skip_evenings_weekends_and_bank_holidays():
    # Friday 22 May 2026 16:00 + 4 working hours: one hour Friday, then Tuesday (Monday 25 May is
    # the spring bank holiday) 09:00 + 3 hours.
    assert working_hours_after(at(2026, 5, 22, 16, 0), 4) == at(2026, 5, 26, 12, 0)
    assert working_hours_after(at(2026, 5, 26, 7, 30), 2) == at(2026, 5, 26, 11, 0)
    assert working_hours_after(at(2026, 5, 26, 18, 0), 1) == at(2026, 5, 27, 10, 0)


def test_timescales_default_to_domain_and_follow_the_authority(settings):
    assert str(timescales()["contact_decision"]) == "1 working day"
    assert due_for("feedback_to_referrer", at(2026, 5, 22, 10, 0)) == at(2026, 5, 25, 10, 0)
    # ICPC: 15 working days from the strategy discussion, at close of business.
    assert due_for("icpc", at(2026, 5, 20, 11, 0)) == at(2026, 6, 11, 17, 0)
    settings.CLOCK_TIMESCALES = {"feedback_to_referrer": "48h"}
    assert due_for("feedback_to_referrer", at(2026, 5, 22, 10, 0)) == at(2026, 5, 24, 10, 0)
    settings.CLOCK_TIMESCALES = {"feedback_to_referrer": "soon"}
    with pytest.raises(ImproperlyConfigured):
        timescales()
    settings.CLOCK_TIMESCALES = {"no_such_clock": "1d"}
    with pytest.raises(ImproperlyConfigured):
        timescales()
    with pytest.raises(ValueError):
        parse_span("3 weeks")


def test_a_contact_starts_its_clocks_and_triage_meets_the_decision_clock(cast):
    from tests.referrals.test_triage import link_all, new_contact, triage

    contact = new_contact(cast.school_dsl)
    clocks = {clock.kind: clock for clock in Clock.objects.filter(object_id=contact.pk)}
    assert clocks["contact_decision"].due_at == contact.decision_due
    assert clocks["feedback_to_referrer"].due_at == contact.feedback_due
    contact = link_all(contact, cast.mash_manager)
    triage(contact, cast.mash_manager, team=cast.north)
    decision = Clock.objects.get(pk=clocks["contact_decision"].pk)
    assert decision.state == "met" and decision.late_reason == ""
    assert Clock.objects.get(pk=clocks["feedback_to_referrer"].pk).state == "running"


def test_a_late_triage_needs_its_reason(cast):
    from tests.referrals.test_triage import link_all, new_contact, triage

    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    Clock.objects.filter(object_id=contact.pk, kind="contact_decision").update(
        started_at=timezone.now() - timedelta(days=2), due_at=timezone.now() - timedelta(minutes=5)
    )
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, team=cast.north)
    assert "late_reason" in refused.value.message_dict
    triage(contact, cast.mash_manager, team=cast.north, late_reason="Waiting for police checks")
    clock = Clock.objects.get(object_id=contact.pk, kind="contact_decision")
    assert clock.state == "met" and clock.late_reason == "Waiting for police checks"


def test_pausing_moves_the_due_time_on_and_cancelling_stops_the_clock(cast, world):
    clock = clock_start(target=world.north_case, kind="plan_review", holder=cast.fh_worker)
    assert clock_start(target=world.north_case, kind="plan_review").pk == clock.pk  # one at a time
    due = clock.due_at
    with pytest.raises(ValidationError):
        clock_pause(clock=clock, by=cast.fh_worker, reason=" ")
    clock_pause(clock=clock, by=cast.fh_worker, reason="Family asked to wait until after the funeral")
    Clock.objects.filter(pk=clock.pk).update(paused_at=timezone.now() - timedelta(days=3))
    clock = clock_resume(clock=clock, by=cast.fh_worker)
    assert timedelta(days=3) <= clock.due_at - due < timedelta(days=3, minutes=1)
    assert clock_cancel(target=world.north_case, by=cast.team_manager, reason="Case closed") == 1
    clock.refresh_from_db()
    assert clock.state == "cancelled"
    with pytest.raises(ValidationError):
        clock_resume(clock=clock, by=cast.fh_worker)
    assert clock_meet(target=world.north_case, kind="plan_review", by=cast.fh_worker) is None
    summaries = list(ClockEvent.objects.filter(clock=clock).values_list("summary", flat=True))
    assert summaries[0].startswith("Started") and summaries[1] == "Paused"
    assert summaries[2].startswith("Resumed: now due")
    assert summaries[-1] == "Cancelled"


def test_only_a_manager_moves_a_due_time_with_a_reason(cast, world):
    clock = clock_start(target=world.north_case, kind="plan_review", holder=cast.fh_worker)
    later = clock.due_at + timedelta(days=7)
    with pytest.raises(PermissionDenied):
        clock_due_change(clock=clock, due_at=later, reason="More time", by=cast.fh_worker)
    with pytest.raises(ValidationError) as refused:
        clock_due_change(clock=clock, due_at=later, reason="", by=cast.team_manager)
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as stale:
        clock_due_change(clock=clock, due_at=later, reason="x", by=cast.team_manager, expected_version=99)
    assert "version" in stale.value.message_dict
    clock = clock_due_change(clock=clock, due_at=later, reason="Review meeting moved", by=cast.team_manager)
    assert clock.due_at == later
    assert ClockEvent.objects.filter(
        clock=clock, summary__startswith="Due time moved", detail="Review meeting moved"
    ).exists()


def test_the_sweep_breaches_once_and_tells_the_holder_and_their_line_manager(
    cast, world, django_capture_on_commit_callbacks
):
    cast.fh_worker.line_manager = cast.team_manager
    cast.fh_worker.email = "fh@demo.invalid"
    cast.fh_worker.save()
    now = timezone.now()
    overdue = clock_start(
        target=world.north_case,
        kind="plan_review",
        holder=cast.fh_worker,
        family=world.north_case.family,
        started_at=now - timedelta(days=90),
        due_at=now - timedelta(hours=1),
    )
    soon = clock_start(
        target=world.south_case,
        kind="plan_review",
        holder=cast.fh_worker,
        started_at=now,
        due_at=now + timedelta(hours=2),
    )
    later = clock_start(
        target=world.school_case,
        kind="plan_review",
        holder=cast.fh_worker,
        started_at=now,
        due_at=now + timedelta(days=20),
    )
    counts = clocks_sweep(now=now)
    assert counts["breached"] == 1 and counts["warned"] == 1
    assert notifications_email() == 2  # the outbox: the team manager in the cast has no email address
    overdue.refresh_from_db()
    assert overdue.state == "breached"
    told = {(n.user.username, n.why.split(":")[0]) for n in Notification.objects.select_related("user")}
    assert told == {
        ("fh.worker", "Overdue"),
        ("team.manager", "Overdue with Femi Harper"),
        ("fh.worker", "Due soon"),
    }
    assert (
        ChronologyEntry.objects.filter(
            family=world.north_case.family, kind=ChronologyKind.TIMESCALE_MISSED
        ).count()
        == 1
    )
    assert len(mail.outbox) == 2
    # A second sweep finds nothing new to do: nothing is notified or emailed twice.
    assert clocks_sweep(now=now) == {"breached": 0, "warned": 0}
    assert notifications_email() == 0
    assert Notification.objects.count() == 3 and len(mail.outbox) == 2
    later.refresh_from_db()
    soon.refresh_from_db()
    assert later.warned_at is None and soon.warned_at is not None
    # Met late after the breach: the reason is kept.
    with pytest.raises(ValidationError):
        clock_meet(target=world.north_case, kind="plan_review", by=cast.fh_worker)
    clock_meet(target=world.north_case, kind="plan_review", by=cast.fh_worker, late_reason="Family unwell")
    overdue.refresh_from_db()
    assert overdue.state == "met" and overdue.late_reason == "Family unwell"


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_breach_each_clock_exactly_once(cast, world):
    now = timezone.now()
    from django.contrib.contenttypes.models import ContentType

    case_type = ContentType.objects.get_for_model(world.north_case)
    Clock.objects.bulk_create(
        Clock(
            content_type=case_type,
            object_id=100_000 + i,
            kind="plan_review",
            holder=cast.fh_worker,
            started_at=now - timedelta(days=10),
            due_at=now - timedelta(minutes=1 + i % 50),
        )
        for i in range(1000)
    )
    results, errors = [], []

    def sweep():
        try:
            results.append(clocks_sweep(now=now, batch=50))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(result["breached"] for result in results) == 1000
    assert all(result["breached"] > 0 for result in results), results  # both really worked
    assert Clock.objects.filter(state="breached").count() == 1000
    assert Notification.objects.count() == 1000
    assert ClockEvent.objects.filter(summary__startswith="Breached").count() == 1000
    print(f"two sweeps at once over 1,000 breached clocks: {[r['breached'] for r in results]}")
