"""Demo data for Signs of Safety and the child's voice (seed_demo calls seed_signs_of_safety): on a
few open families, the 0-10 scale given month by month by the practitioner, the family and the
child, each line rising as things get safer, and each child's words gathered with the three houses
and wizards and fairies. Written only through assessments.services, each on its day (the services
date what they write by the clock, as seed_demo's own history does)."""

from datetime import date, datetime, timedelta

import time_machine
from django.utils import timezone

from assessments.choices import GatheredBy, ScaledBy, Section
from assessments.models import Contribution
from assessments.services import contribution_add
from cases.choices import CaseState, PersonKind
from cases.models import Case

FAMILIES = 3
# Month by month, oldest first: the family's and the child's scales; the practitioner's rises the
# same way from where the practitioner last put it (3 if nobody has scaled yet).
SCALES = {
    ScaledBy.FAMILY: [5, 5, 6, 7, 8],
    ScaledBy.CHILD: [2, 4, 5, 6, 8],
}
PRACTITIONER_RISE = [0, 1, 1, 2, 3]
MONTHS = len(PRACTITIONER_RISE)
WHY = {
    ScaledBy.PRACTITIONER: "Agreed in supervision after the last visit: the safety plan is holding.",
    ScaledBy.FAMILY: "{name} scored it at the family meeting: 'things are calmer at home'.",
    ScaledBy.CHILD: "{name} put the marker on the line on the safety scale we drew together.",
}
WORDS = [
    (
        GatheredBy.THREE_HOUSES,
        "House of worries: 'when mum and dad shout I hide under my bed'. House of good things: 'my "
        "nan's house and football on Saturdays'. House of dreams: 'everyone eats tea together'.",
    ),
    (
        GatheredBy.WIZARDS_AND_FAIRIES,
        "The good fairy would make 'dad stop drinking the brown bottles'; the wizard would 'keep my "
        "little brother safe at night'. Wants to stay at home with mum.",
    ),
]


def _on(day: date, hour: int):
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))
    return time_machine.travel(moment, tick=False)


def _demo_cases(users) -> list[Case]:
    """Open, unrestricted families with a child and an adult, the demo logins' own first."""
    cases = (
        Case.objects.filter(state=CaseState.OPEN, key_worker__isnull=False)
        .exclude(family__restrictions__isnull=False)
        .filter(family__memberships__person__kind=PersonKind.CHILD)
        .filter(family__memberships__person__kind=PersonKind.ADULT)
        .exclude(family__assessment__contributions__scaled_by__in=[ScaledBy.FAMILY, ScaledBy.CHILD])
        .select_related("family", "key_worker")
        .distinct()
        .order_by("pk")
    )
    logins = [users[name].pk for name in ("social.worker", "fh.worker") if name in users]
    # The logins' cases taken in turn (social worker, family help worker, ...), then anyone's.
    turn = {login: 0 for login in logins}
    ranked = []
    for case in cases:
        if case.key_worker_id in turn:
            ranked.append(((turn[case.key_worker_id], logins.index(case.key_worker_id)), case))
            turn[case.key_worker_id] += 1
        else:
            ranked.append(((len(cases), 0), case))
    seen, picked = set(), []
    for _, case in sorted(ranked, key=lambda item: (item[0], item[1].pk)):
        if case.family_id not in seen:
            seen.add(case.family_id)
            picked.append(case)
    return picked[:FAMILIES]


def seed_signs_of_safety(users, teams) -> int:
    """Scales over five months and the children's words on up to three open demo families; returns
    how many families it added to (none on a second run)."""
    today = timezone.localdate()
    cases = _demo_cases(users)
    for case in cases:
        family, worker = case.family, case.key_worker
        members = list(family.memberships.select_related("person").order_by("person__date_of_birth", "pk"))
        children = [m.person for m in members if m.person.kind == PersonKind.CHILD]
        adult = next(m.person for m in members if m.person.kind == PersonKind.ADULT)
        child = children[0]
        first = max(today - timedelta(days=150), timezone.localdate(case.opened_at) + timedelta(days=1))
        step = max((today - first).days // MONTHS, 1)
        earlier = (
            Contribution.objects.filter(assessment__family=family, scaled_by=ScaledBy.PRACTITIONER)
            .order_by("-recorded_at", "-pk")
            .values_list("scale", flat=True)
            .first()
        )
        base = 3 if earlier is None else min(earlier, 10 - PRACTITIONER_RISE[-1])
        scales = {ScaledBy.PRACTITIONER: [base + rise for rise in PRACTITIONER_RISE], **SCALES}
        for month in range(MONTHS):
            day = min(first + timedelta(days=step * month), today)
            for hour, (scaled_by, person) in enumerate(
                [(ScaledBy.PRACTITIONER, None), (ScaledBy.FAMILY, adult), (ScaledBy.CHILD, child)], start=10
            ):
                with _on(day, hour):
                    contribution_add(
                        family=family,
                        by=worker,
                        section=Section.HOW_WORRIED,
                        text=WHY[scaled_by].format(name=person.first_name if person else ""),
                        scale=scales[scaled_by][month],
                        scaled_by=scaled_by,
                        scaled_by_person=person,
                    )
        for number, someone in enumerate(children[:2]):
            for offset, (gathered_by, words) in enumerate(WORDS):
                day = min(first + timedelta(days=step * (2 * offset + 1) + number), today)
                with _on(day, 15):
                    contribution_add(
                        family=family,
                        by=worker,
                        section=Section.VOICE_OF_CHILD,
                        child=someone,
                        gathered_by=gathered_by,
                        text=f"{someone.first_name}: {words}",
                    )
    return len(cases)


def signs_of_safety_seeded() -> bool:
    """Whether the demo's scales by the family or the child are there already."""
    return Contribution.objects.filter(scaled_by__in=[ScaledBy.FAMILY, ScaledBy.CHILD]).exists()
