"""The access log in words: which record ("Case C000050") and which page or API route ("case page")
each entry is. The one place that names the service's routes for people; a route with no words
here is named from its URL name ("subject link"), and one that no longer exists is shown as stored."""

from functools import lru_cache

from django.urls import Resolver404, get_resolver, resolve
from django.urls.resolvers import URLResolver

from cases.choices import RecordType
from cases.models import Case
from referrals.models import Contact

# URL name -> what the page or API route is, in words. API routes are marked "(API)" where shown.
ROUTE_WORDS = {
    "home": "home page",
    # cases
    "cases:case-list": "case list",
    "cases:case-detail": "case page",
    "cases:case-chronology-add": "adding to the chronology",
    "cases:case-allocate": "allocating a worker",
    "cases:case-close": "closing the case",
    "cases:case-involvement-add": "involving a practitioner",
    "cases:case-involvement-end": "ending an involvement",
    "cases:family-detail": "family page",
    "cases:person-search": "person search",
    "cases:person-detail": "person page",
    "cases:person-details": "details for the statutory returns",
    "cases:person-merge": "merging duplicate records",
    # assessments and pathways
    "assessments:assessment": "assessment",
    "assessments:contribution-add": "adding to the assessment",
    "assessments:conversation-add": "recording a conversation or visit",
    "assessments:section-history": "assessment section history",
    "pathways:decision": "decisions and pathway",
    "pathways:decision-submit": "proposing a decision",
    "pathways:decision-confirm": "confirming a decision",
    "pathways:decision-return": "sending a decision back",
    "pathways:census": "census details",
    "pathways:plan": "plan",
    # front door
    "referrals:contact": "front-door contact",
    "referrals:triage": "triage",
    "referrals:subject-link": "linking a person to a contact",
    "referrals:subject-unlink": "unlinking a person from a contact",
    "referrals:feedback": "telling the referrer",
    "referrals:letter": "outcome letter",
    "referrals:letter-pdf": "outcome letter (PDF)",
    # step-down, disagreements
    "stepdown:detail": "step-down",
    "stepdown:routes": "step-down routes",
    "stepdown:new": "proposing a step-down",
    "stepdown:consents": "consents",
    "disagreements:disagreement": "professional disagreement",
    "disagreements:disagree-on-contact": "disagreeing with a front-door decision",
    # audit
    "audit:access-log": "access log",
    "audit:access-log-export": "access log export (CSV)",
    "audit:export-new": "asking for a PDF chronology",
    "audit:export": "PDF chronology",
    "audit:export-download": "PDF chronology download",
    "audit:break-glass": "break glass",
    "audit:restriction-new": "restricting a record",
    "audit:restriction": "restriction",
    # returns
    "returns:build-download": "statutory return download",
    # API
    "person-detail": "person",
    "person-addresses": "person's addresses",
    "family-detail": "family",
    "family-chronology": "family's chronology",
    "family-involvements": "family's practitioners",
    "case-detail": "case",
    "case-chronology-list": "case's chronology",
    "case-decision-list": "case's decisions",
    "decision-detail": "decision",
    "contact-detail": "contact",
    "contact-letter": "outcome letter",
    "family-contribution-list": "assessment contributions",
    "family-package-list": "referral packages",
    "step-down-detail": "step-down",
    "disagreement-detail": "professional disagreement",
    "break-glass-list": "break glass",
}


def _join(first: str, second: str) -> str:
    """As Django joins the routes of nested URL patterns into `ResolverMatch.route`."""
    return second if not first else first + second.removeprefix("^")


def _walk(resolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _walk(pattern, _join(prefix, str(pattern.pattern)), inner)
        elif pattern.name:
            yield _join(prefix, str(pattern.pattern)), ":".join(p for p in (namespace, pattern.name) if p)


@lru_cache(maxsize=1)
def _names_by_route() -> dict[str, str]:
    return dict(_walk(get_resolver()))


def _name_of(route: str) -> str | None:
    name = _names_by_route().get(route)
    if name is None and route.startswith("/"):  # stored as a path (exports): find its route
        try:
            name = resolve(route.split("?", 1)[0]).view_name
        except Resolver404:
            return None
    return name


def route_in_words(route: str, via: str = "") -> str:
    name = _name_of(route)
    if name is None:
        return route
    words = ROUTE_WORDS.get(name) or name.rpartition(":")[2].removeprefix("api-").replace("-", " ")
    return f"{words} (API)" if via == "api" else words


def record_in_words(record_type: str, record_id: int, references: dict | None = None) -> str:
    """ "Case C000050", "Person P12", "Request for support NTC-2026-00042"."""
    if record_type == RecordType.CASE:
        return f"Case {Case(pk=record_id).reference}"
    if record_type == RecordType.PERSON:
        return f"Person P{record_id}"
    if record_type == RecordType.FAMILY:
        return f"Family F{record_id}"
    if record_type == RecordType.ACCESS_LOG:
        return "The access log"
    label = RecordType(record_type).label if record_type in RecordType.values else record_type
    reference = (references or {}).get((record_type, record_id))
    return f"{label} {reference or record_id}"


def entries_in_words(entries) -> list[tuple]:
    """(entry, record in words, route in words) for a page of the log: one query for the contacts'
    references, however many entries."""
    entries = list(entries)
    contact_ids = {entry.record_id for entry in entries if entry.record_type == RecordType.CONTACT}
    references = {
        (RecordType.CONTACT, pk): reference
        for pk, reference in Contact.objects.filter(pk__in=contact_ids).values_list("pk", "reference")
    }
    return [
        (
            entry,
            record_in_words(entry.record_type, entry.record_id, references),
            route_in_words(entry.route, entry.via),
        )
        for entry in entries
    ]
