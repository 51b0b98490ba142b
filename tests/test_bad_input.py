"""No 500 from input (issue 15, 2): bodies that are not objects, NUL characters, over-long text and
ids past any integer answer 400 with a message, on every operation, for pages as for the API."""

import re

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from config.limits import LONG_TEXT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]
NOT_OBJECTS = ["null", "[]", '"x"', "0", "[{}]", "true"]


def _operations(methods):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in methods:
                yield method, path


def _url(path: str) -> str:
    """Every path parameter filled with 1 (an id that exists for most records in the world)."""
    return re.sub(r"{[^}]+}", "1", path)


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_body_that_is_not_an_object_is_a_400_everywhere(cast, api_for):
    api = api_for(cast.mash_manager)
    api.raise_request_exception = False
    problems = []
    operations = list(_operations(("post", "put", "patch")))
    assert len(operations) > 50
    for method, path in operations:
        for body in NOT_OBJECTS:
            response = getattr(api, method)(_url(path), body, content_type="application/json")
            if response.status_code >= 500 or (
                response.status_code == 400 and "JSON object" not in response.content.decode()
            ):
                problems.append(
                    f"{method.upper()} {path} {body}: {response.status_code} {response.content[:120]}"
                )
    assert problems == [], "\n".join(problems)


def test_the_message_says_what_is_wrong(cast, api_for):
    response = api_for(cast.mash_manager).post("/api/v1/consents/", "null", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": 'The body must be a JSON object, such as {"field": "value"}.'}


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_a_nul_character_in_a_query_is_a_400_on_every_list(cast, api_for):
    api = api_for(cast.mash_manager)
    api.raise_request_exception = False
    problems = []
    for _, path in _operations(("get",)):
        response = api.get(_url(path), {"state": "\x00", "q": "a\x00b"})
        if response.status_code != 400:
            problems.append(f"GET {path}: {response.status_code}")
    assert problems == []
    assert api.get("/api/v1/step-downs/?state=%00").json() == {
        "state": ["Text may not hold the NUL character (\\u0000): remove it and try again."]
    }


def test_a_nul_character_in_a_json_body_or_a_form_is_a_400(cast, world, api_for, client_for):
    api = api_for(cast.social_worker)
    response = api.post(
        f"/api/v1/cases/{world.north_case.pk}/chronology/",
        {"kind": "note", "summary": "Visit\x00", "detail": "", "occurred_at": "2026-01-05T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "NUL character" in response.json()["detail"] and "summary" in response.json()["detail"]
    page = client_for(cast.social_worker).post(
        f"/cases/{world.north_case.pk}/chronology/", {"summary": "Visit\x00", "kind": "note"}
    )
    assert page.status_code == 400
    assert "NUL character" in page.content.decode()


def test_over_long_text_is_refused_with_the_limit(cast, world, api_for):
    response = api_for(cast.social_worker).post(
        f"/api/v1/cases/{world.north_case.pk}/chronology/",
        {
            "kind": "note",
            "summary": "A visit",
            "detail": "x" * (LONG_TEXT + 1),
            "occurred_at": "2026-01-05T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": [f"Ensure this field has no more than {LONG_TEXT} characters."]}


def test_every_free_text_field_states_its_limit_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    unlimited = []
    for name, component in schema["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue
        for field, node in component.get("properties", {}).items():
            for option in [node, *node.get("oneOf", []), *node.get("allOf", [])]:
                plain = option.get("type") == "string" and "enum" not in option and "format" not in option
                if plain and "maxLength" not in option and "pattern" not in option:
                    unlimited.append(f"{name}.{field}")
    assert unlimited == []


@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_an_id_past_any_integer_is_not_a_500(cast, world, api_for):
    api = api_for(cast.mash_manager)
    api.raise_request_exception = False
    huge = 10**20
    answers = [
        api.post("/api/v1/cases/", {"family_id": huge, "team_id": huge, "pathway": 2}, format="json"),
        api.get(f"/api/v1/people/{huge}/"),
        api.post(
            f"/api/v1/families/{world.north_case.family_id}/members/",
            {"person_id": huge, "role": "child"},
            format="json",
        ),
        api.get("/api/v1/step-downs/", {"case": huge}),
    ]
    assert [(n, answer.status_code) for n, answer in enumerate(answers) if answer.status_code >= 500] == []
