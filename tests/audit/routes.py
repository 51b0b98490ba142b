"""Every URL route, and a route with our test records' ids put in."""

import re

from django.urls import URLResolver, get_resolver


def all_routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def route_path(route: str, ids: dict) -> str | None:
    """The route with our records' ids put in, or None when it needs a value we do not have."""
    first = re.sub(r"^\^?(api/v1/\^?)?", "", route).split("/")[0]
    by_segment = {
        "cases": "case",
        "people": "person",
        "families": "family",
        "front-door": "contact",
        "contacts": "contact",
        "decisions": "decision",
        "disagreements": "disagreement",
    }
    path = route.replace("^", "").replace("$", "").replace("\\.", ".")
    values = {
        "pk": ids.get(by_segment.get(first, "")),
        "case_pk": ids["case"],
        "family_pk": ids["family"],
        "decision_pk": ids["decision"],
        "subject_pk": ids["subject"],
        "section": "health",
    }
    for name in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", path):
        key = name[0] or name[1]
        if values.get(key) is None:
            return None
        path = re.sub(rf"<(?:\w+:)?{key}>|\(\?P<{key}>[^)]*\)", str(values[key]), path, count=1)
    return "/" + path.replace("/?", "/")
