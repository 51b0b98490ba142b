"""How long each clock runs: DOMAIN.md's defaults, overridable per authority with the
CLOCK_TIMESCALES setting (e.g. `CLOCK_TIMESCALES=feedback_to_referrer=48h,contact_decision=1wd`)."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from escalation.calendar import end_of_working_day, working_days_after, working_hours_after
from escalation.choices import ClockKind

SPAN = re.compile(r"^(\d+(?:\.\d+)?)(wd|wh|h|d)$")

DEFAULTS: dict[str, str] = {
    ClockKind.CONTACT_DECISION: "1wd",
    ClockKind.FEEDBACK_TO_REFERRER: "72h",
    ClockKind.EHH_REVIEW: "24h",
    ClockKind.ASSESSMENT_PATHWAY_3: "45wd",
    ClockKind.EARLY_HELP_ASSESSMENT: "10wd",
    ClockKind.ICPC: "15wd",
    ClockKind.CP_REVIEW: "91d",
    ClockKind.PLAN_REVIEW: "84d",
    ClockKind.ESCALATION_STAGE: "16wh",  # two working days of 8 hours: "24-48 hours"
    ClockKind.ESCALATION_STAGE_HIGH_RISK: "4wh",  # "same day, a few hours"
    ClockKind.STEPDOWN_APPROVAL: "2wd",
    ClockKind.STEPDOWN_CONSENT: "5wd",  # local: ask the family within a working week
    # The next supervision: by pathway (settings.SUPERVISION_WEEKS), so this is only the fallback.
    ClockKind.SUPERVISION: "28d",
    ClockKind.FGC_CONFERENCE: "42d",  # local: referral to conference within six weeks
}


@dataclass(frozen=True)
class Span:
    amount: float
    unit: str  # wd, wh, h, d

    def after(self, start: datetime) -> datetime:
        if self.unit == "wd":
            day = working_days_after(timezone.localdate(start), int(self.amount))
            return end_of_working_day(day)
        if self.unit == "wh":
            return working_hours_after(start, self.amount)
        if self.unit == "h":
            return start + timedelta(hours=self.amount)
        return start + timedelta(days=self.amount)

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return {
            "wd": f"{amount} working day{'s' if amount != 1 else ''}",
            "wh": f"{amount} working hours",
            "h": f"{amount} hours",
            "d": f"{amount} days",
        }[self.unit]


def parse_span(text: str) -> Span:
    match = SPAN.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a timescale like 1wd, 72h, 4wh or 84d")
    return Span(float(match.group(1)), match.group(2))


def timescales() -> dict[str, Span]:
    merged = dict(DEFAULTS)
    for kind, text in settings.CLOCK_TIMESCALES.items():
        if kind not in ClockKind.values:
            raise ImproperlyConfigured(f"CLOCK_TIMESCALES: unknown clock {kind!r}")
        merged[kind] = text
    try:
        return {kind: parse_span(text) for kind, text in merged.items()}
    except ValueError as exc:
        raise ImproperlyConfigured(f"CLOCK_TIMESCALES: {exc}") from None


def due_for(kind: str, start: datetime) -> datetime:
    return timescales()[kind].after(start)
