"""The pages the county benchmark loads, by name: one catalogue for the load (bench/locustfile.py,
where each request is named after its page) and for the query counts (bench/county.py).

Plain Python, importing neither Django nor Locust: Locust's process must not load Django, and the
benchmark's must not load gevent. Each page is a function of the signed-in login's targets (record
ids and search terms bench/county.py found for that login in the seeded database) and a random
generator, returning (method, path, JSON body or None).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

Request = tuple[str, str, dict | None]
Targets = dict[str, list]

# Who does what, as the demo authority's logins (seed_demo.DEMO_USERS); bench/county.py checks they
# exist and finds each one's records.
PRACTITIONERS = [
    "fh.worker",
    "fh.worker.south",
    "social.worker",
    "social.worker.south",
    "social.worker.2",
    "social.worker.3",
    "social.worker.4",
    "social.worker.south.2",
    "social.worker.south.3",
    "ecpp",
]
FRONT_DOOR = ["mash.manager"]
MANAGERS = ["team.manager", "head.of.service", "service.manager"]
AUDITORS = ["auditor"]


def _pick(targets: Targets, key: str, rng: random.Random):
    values = targets.get(key) or []
    if not values:
        raise LookupError(f"no {key} to load for this login")
    return rng.choice(values)


def _misspelt(name: str, rng: random.Random) -> str:
    """A surname as a busy person types it: a letter dropped, doubled or two swapped."""
    if len(name) < 4:
        return name
    at = rng.randrange(1, len(name) - 1)
    return rng.choice(
        (
            name[:at] + name[at + 1 :],
            name[:at] + name[at] + name[at:],
            name[: at - 1] + name[at] + name[at - 1] + name[at + 1 :],
        )
    )


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


PAGES: dict[str, Callable[[Targets, random.Random], Request]] = {
    # Reads: every role's home is their work tray.
    "home (tray)": lambda t, rng: ("GET", "/", None),
    "inbox": lambda t, rng: ("GET", "/inbox/", None),
    "case list": lambda t, rng: ("GET", "/cases/", None),
    "case page": lambda t, rng: ("GET", f"/cases/{_pick(t, 'cases', rng)}/", None),
    "family chronology page": lambda t, rng: (
        "GET",
        f"/families/{_pick(t, 'families', rng)}/?page={rng.choice((1, 1, 1, 2, 3))}",
        None,
    ),
    "assessment page": lambda t, rng: ("GET", f"/families/{_pick(t, 'families', rng)}/assessment/", None),
    "decision page": lambda t, rng: ("GET", f"/cases/{_pick(t, 'cases', rng)}/decision/", None),
    "person search": lambda t, rng: (
        "GET",
        "/people/?name={}".format(_misspelt(_pick(t, "surnames", rng), rng)),
        None,
    ),
    "triage queue": lambda t, rng: ("GET", "/front-door/", None),
    "contact page": lambda t, rng: ("GET", f"/front-door/{_pick(t, 'contacts', rng)}/", None),
    "dashboard": lambda t, rng: ("GET", "/dashboard/", None),
    "access log search": lambda t, rng: (
        "GET",
        f"/audit/access-log/?record_type=person&record_id={_pick(t, 'people', rng)}",
        None,
    ),
    "API cases": lambda t, rng: ("GET", "/api/v1/cases/", None),
    "API chronology": lambda t, rng: ("GET", f"/api/v1/cases/{_pick(t, 'cases', rng)}/chronology/", None),
    "API tray": lambda t, rng: ("GET", "/api/v1/tray/", None),
    "API triage queue": lambda t, rng: ("GET", "/api/v1/contacts/queue/", None),
    "API dashboard": lambda t, rng: ("GET", "/api/v1/dashboard/", None),
    "API access log": lambda t, rng: (
        "GET",
        f"/api/v1/access-log/?record_type=person&record_id={_pick(t, 'people', rng)}",
        None,
    ),
    # Writes (about a tenth of the load), through the API as a partner's system or the pages' forms
    # would make them.
    "add a contribution": lambda t, rng: (
        "POST",
        f"/api/v1/families/{_pick(t, 'families', rng)}/assessment/contributions/",
        {
            "section": rng.choice(("health", "education", "basic_care")),
            "text": "Seen at home; synthetic note.",
        },
    ),
    "record a conversation": lambda t, rng: (
        "POST",
        f"/api/v1/families/{_pick(t, 'families', rng)}/conversations/",
        {"kind": "home_visit", "occurred_at": _now(), "discussed": "How the week went; synthetic note."},
    ),
    "receive a contact": lambda t, rng: (
        "POST",
        "/api/v1/contacts/",
        {
            "channel": "phone",
            "referrer_name": "A caller",
            "concerns": "A neighbour is worried about a child; synthetic contact.",
            "family_consents": "not_asked",
            "consent_notes": "Anonymous caller",
            "subjects": [
                {
                    "role": "child",
                    "first_name": rng.choice(("Amy", "Ben", "Cara", "Dev")),
                    "last_name": _pick(t, "surnames", rng),
                }
            ],
        },
    ),
}

# Each role's work: how often it opens each page (Locust task weights).
WORK: dict[str, dict[str, int]] = {
    "practitioner": {
        "home (tray)": 3,
        "case page": 6,
        "family chronology page": 4,
        "assessment page": 2,
        "decision page": 1,
        "person search": 2,
        "inbox": 1,
        "API cases": 1,
        "API chronology": 1,
        "API tray": 1,
        "add a contribution": 1,
        "record a conversation": 1,
    },
    "front door": {
        "home (tray)": 1,
        "triage queue": 4,
        "contact page": 4,
        "person search": 3,
        "API triage queue": 1,
        "receive a contact": 1,
    },
    "manager": {
        "home (tray)": 2,
        "dashboard": 2,
        "case list": 2,
        "case page": 2,
        "API dashboard": 1,
    },
    "auditor": {
        "access log search": 3,
        "API access log": 1,
        "case page": 1,
    },
}
LOGINS: dict[str, list[str]] = {
    "practitioner": PRACTITIONERS,
    "front door": FRONT_DOOR,
    "manager": MANAGERS,
    "auditor": AUDITORS,
}
# How many of the simulated people have each role: a district team and its front door.
HEADCOUNT: dict[str, int] = {"practitioner": 30, "front door": 10, "manager": 6, "auditor": 4}
