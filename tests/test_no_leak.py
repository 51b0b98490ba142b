"""Nothing about a record through any channel the user could not read it through (issue 15, 1).

Every write operation in the published API is called, as a team-limited family help worker, a
partner agency's practitioner and a social worker who sees every case but not a restricted family,
with the id of a record they may not see in each id it takes (the others pointing at records they
may see, so the request gets as far as it can). No answer may be a 500, or hold a name, NHS number,
date of birth or postcode of the hidden families. And no serializer field that takes a child's or
family's record by id may choose from more than the user can see."""

import importlib
import json
import re
from datetime import date
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.forms import ModelChoiceField
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from audit import services as audit_services
from cases import services as case_services
from cases.choices import FamilyRole, PersonKind, RestrictionCategory, Sex
from config.api import VisibleRelatedField
from config.visibility import RULES

HIDDEN_WORDS = [
    "Quillfeather",
    "Zebedee",
    "Ottoline",
    "Wrexcombe",
    "Marchbanks",
    "Ysolde",
    "9434765919",
    "ZZ9 9ZZ",
]
HIDDEN_BIRTH = "2016-02-29"
WRITE_METHODS = ("post", "put", "patch", "delete")
PERSON_FIELDS = re.compile(r"(person|given_by|subject|child|relative|duplicate)(_id|_pk)?$")


def _hidden_family(cast, *, name, child, parent, team, nhs_number=""):
    by = cast.mash_manager
    family = case_services.family_create(by=by, name=f"{name} family")
    first, last = child.split()
    kid = case_services.person_create(
        by=by,
        kind=PersonKind.CHILD,
        first_name=first,
        last_name=last,
        sex=Sex.FEMALE,
        date_of_birth=date.fromisoformat(HIDDEN_BIRTH),
        nhs_number=nhs_number,
    )
    case_services.person_address_add(
        person=kid, by=by, line_1="3 Hidden Lane", postcode="ZZ9 9ZZ", moved_in=date(2020, 1, 1)
    )
    adult_first, adult_last = parent.split()
    adult = case_services.person_create(
        by=by, kind=PersonKind.ADULT, first_name=adult_first, last_name=adult_last
    )
    case_services.family_member_add(family=family, person=kid, role=FamilyRole.CHILD, by=by)
    case_services.family_member_add(family=family, person=adult, role=FamilyRole.PARENT_CARER, by=by)
    case = case_services.case_open(family=family, team=team, pathway=2, by=by)
    return {"family": family.pk, "case": case.pk, "person": kid.pk, "adult": adult.pk}


@pytest.fixture
def hidden(cast, world):
    """Two families: one held by the South team (out of reach of the North's family help worker
    and of the school), and one restricted (out of reach of every social worker not named)."""
    south = _hidden_family(
        cast,
        name="Quillfeather",
        child="Zebedee Quillfeather",
        parent="Ottoline Quillfeather",
        team=cast.south,
        nhs_number="9434765919",
    )
    restricted = _hidden_family(
        cast, name="Wrexcombe", child="Ysolde Wrexcombe", parent="Marchbanks Wrexcombe", team=cast.north
    )
    audit_services.restriction_mark(
        by=cast.team_manager,
        category=RestrictionCategory.values[0],
        reason="A restricted family for the no-leak walk",
        family=case_services.Family.objects.get(pk=restricted["family"]),
    )
    return {"south": south, "restricted": restricted}


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def _value(schema, name, node, ids):
    node = _resolve(schema, node)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return _value(schema, name, node[combined][0], ids)
    if name in ids:
        return ids[name]
    if "enum" in node:
        return next((choice for choice in node["enum"] if choice not in ("", None)), "")
    kind = node.get("type")
    if kind == "array":
        item = _value(schema, name[:-1] if name.endswith("s") else name, node.get("items", {}), ids)
        return [item]
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "object":
        return {key: _value(schema, key, sub, ids) for key, sub in node.get("properties", {}).items()}
    if node.get("format") == "date":
        return "2026-01-05"
    if node.get("format") == "date-time":
        return "2026-01-05T10:00:00Z"
    if node.get("format") == "email":
        return "someone@example.org"
    return "Something written for the walk"


def _id_names(schema, path, operation):
    names = re.findall(r"{(\w+)}", path)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    properties = _resolve(schema, body).get("properties", {}) if body else {}
    return (
        names,
        {key: node for key, node in properties.items()},
        [key for key in properties if key.endswith(("_id", "_ids")) or key in ("person", "family", "case")],
    )


def _visible_id(name, world):
    if PERSON_FIELDS.search(name.removesuffix("s")):
        return world.north_child.pk
    if name.startswith("family") or name == "id":
        return world.north_case.family_id
    return world.north_case.pk


def _hidden_ids(name, family):
    if PERSON_FIELDS.search(name.removesuffix("s")):
        return [family["person"], family["adult"]]
    if name.startswith("family"):
        return [family["family"]]
    if name.startswith("case"):
        return [family["case"]]
    return sorted(set(family.values()))


def _requests(schema, world, hidden):
    """(method, url, body) with one id at a time pointing at a hidden record."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in WRITE_METHODS:
                continue
            path_names, properties, body_ids = _id_names(schema, path, operation)
            slots = [("path", name) for name in path_names] + [("body", name) for name in body_ids]
            for where, slot in slots:
                for family in hidden.values():
                    for hidden_id in _hidden_ids(slot, family):
                        ids = {name: _visible_id(name, world) for name in path_names + body_ids}
                        ids = {
                            name: [value] if name.endswith("_ids") else value for name, value in ids.items()
                        }
                        ids[slot] = [hidden_id] if slot.endswith("_ids") else hidden_id
                        url = path
                        for name in path_names:
                            url = url.replace("{" + name + "}", str(ids[name]))
                        body = {key: _value(schema, key, node, ids) for key, node in properties.items()}
                        yield method, url, body, f"{path} {where}:{slot}"


SOUTH_WORDS = ["Quillfeather", "Zebedee", "Ottoline", "9434765919"]
RESTRICTED_WORDS = ["Wrexcombe", "Marchbanks", "Ysolde"]


@pytest.mark.django_db
@override_settings(DEBUG_PROPAGATE_EXCEPTIONS=False)
def test_no_write_answers_with_a_hidden_record(cast, world, hidden, api_for):
    schema = _schema()
    requests = list(_requests(schema, world, hidden))
    walked = {slot.split(" ")[0] for _, _, _, slot in requests}
    assert len(walked) >= 50, sorted(walked)  # nearly every write operation takes an id
    problems = []
    # The South family is out of reach of the North's family help worker and of the school; the
    # restricted family, of all three. Each request is rolled back, so each starts from this world.
    for user, words in (
        (cast.fh_worker, SOUTH_WORDS + RESTRICTED_WORDS + ["ZZ9 9ZZ", HIDDEN_BIRTH]),
        (cast.school_dsl, SOUTH_WORDS + RESTRICTED_WORDS + ["ZZ9 9ZZ", HIDDEN_BIRTH]),
        (cast.social_worker, RESTRICTED_WORDS),
    ):
        api = api_for(user)
        api.raise_request_exception = False
        for method, url, body, slot in requests:
            with transaction.atomic():
                response = getattr(api, method)(url, body, format="json")
                transaction.set_rollback(True)
            text = response.content.decode(errors="replace")
            if response.status_code >= 500:
                problems.append(f"{user.username} {method.upper()} {url} [{slot}]: {response.status_code}")
                continue
            leaked = [word for word in words if word.lower() in text.lower()]
            if leaked:
                problems.append(f"{user.username} {method.upper()} {url} [{slot}]: {leaked} in {text[:200]}")
    assert problems == [], "\n".join(problems)


def _our_apps():
    return [
        config for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)
    ]


def _serializer_classes():
    for config in _our_apps():
        for module_name in ("apis", "serializers"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                ours = isinstance(value, type) and value.__module__ == module.__name__
                if ours and issubclass(value, serializers.Serializer):
                    yield value


def _related_fields(serializer):
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.RelatedField) and not field.read_only:
            yield name, field
        elif isinstance(field, serializers.Serializer):
            yield from _related_fields(field)


def test_every_serializer_field_that_takes_a_record_chooses_from_the_visible_ones():
    wrong = []
    classes = list(_serializer_classes())
    assert len(classes) > 40
    for cls in classes:
        try:
            serializer = cls()
        except TypeError:
            continue
        for name, field in _related_fields(serializer):
            model = field.queryset.model if field.queryset is not None else None
            if (
                model is not None
                and model._meta.label in RULES
                and not isinstance(field, VisibleRelatedField)
            ):
                wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert wrong == [], wrong


def test_no_form_offers_every_record_of_a_kind():
    """A form field that chooses a child's or family's record starts empty and is filled, per
    request, from what the user may see."""
    wrong = []
    for config in _our_apps():
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for form in vars(module).values():
            for name, field in getattr(form, "base_fields", {}).items():
                chooses = isinstance(field, ModelChoiceField) and field.queryset is not None
                if (
                    chooses
                    and field.queryset.model._meta.label in RULES
                    and not field.queryset.query.is_empty()
                ):
                    wrong.append(f"{module.__name__}.{form.__name__}.{name}")
    assert wrong == [], wrong


def test_the_walk_would_see_a_leak(cast, world, hidden, api_for):
    """The words the walk looks for are really in what a permitted reader gets."""
    api = api_for(cast.social_worker)
    text = json.dumps(api.get(f"/api/v1/people/{hidden['south']['person']}/").json())
    assert "Zebedee" in text and "Quillfeather" in text
