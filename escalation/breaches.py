"""When a clock is due soon or breached, and who is told. The sweep (services.clocks_sweep) asks
these questions; nothing else answers them.

- A running clock is *due soon* from CLOCK_WARNING_HOURS before its due time (settings), and its
  holder is reminded once.
- It *breaches* at its due time. The holder is told (a person, or the manager of the team holding
  it), and so is the next level up: the holder's line manager, else the team's manager; for a clock
  held by a team, that manager's own line manager.
- Then the clock's owner hears through escalation/registry.py (a disagreement moves up the ladder).
Notifications name references, never people: they are emailed.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from escalation.models import Clock


def breached_by(now: datetime) -> Q:
    """Running clocks that have breached at `now`: their due time has come."""
    return Q(due_at__lte=now)


def due_soon_by(now: datetime) -> Q:
    """Running clocks whose holder is reminded at `now`: due within CLOCK_WARNING_HOURS, not yet reminded."""
    return Q(
        warned_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + timedelta(hours=settings.CLOCK_WARNING_HOURS),
    )


def team_leads(clock: Clock) -> list[User]:
    if clock.team_id and clock.team.manager_id:
        return [clock.team.manager]
    return []


def holders(clock: Clock) -> list[User]:
    """Who holds the clock: its named holder, else the manager of the team holding it."""
    if clock.holder_id:
        return [clock.holder]
    return team_leads(clock)


def next_level(clock: Clock) -> list[User]:
    """Who else hears when a clock is missed: the holder's line manager, else the team's manager."""
    if clock.holder_id:
        if clock.holder.line_manager_id:
            return [clock.holder.line_manager]
        return [user for user in team_leads(clock) if user.pk != clock.holder_id]
    # Held by a team: its manager was told as the holder, so their own manager is the next level.
    return [lead.line_manager for lead in team_leads(clock) if lead.line_manager_id]


def told_of_breach(clock: Clock) -> list[tuple[User, str]]:
    """Everyone told that the clock breached, each with why they are told."""
    told = [(user, "Overdue: the timescale has been missed") for user in holders(clock)]
    held_by = clock.holder or clock.team or "the front door"
    told += [(user, f"Overdue with {held_by}: you are told as the next level") for user in next_level(clock)]
    return told
