"""API contracts for people, families, cases and the chronology (/api/v1/)."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.services import api_token_create

pytestmark = pytest.mark.django_db


def test_create_a_person_with_an_address(cast, api_for):
    response = api_for(cast.mash_manager).post(
        "/api/v1/people/",
        {
            "kind": "child",
            "first_name": "Ada",
            "last_name": "Lane",
            "date_of_birth": "2018-04-01",
            "sex": "F",
            "nhs_number": "943 476 5919",
            "address": {"line_1": "3 Elm Row", "postcode": "ng1 5dt", "moved_in": "2020-01-01"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Ada Lane" and body["nhs_number"] == "9434765919"
    assert body["addresses"][0]["postcode"] == "NG1 5DT"


def test_bad_person_input_gets_field_messages_not_a_500(cast, api_for):
    response = api_for(cast.mash_manager).post(
        "/api/v1/people/",
        {"kind": "child", "date_of_birth": "2999-01-01", "nhs_number": "1234567890"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert {"date_of_birth", "first_name", "nhs_number"} <= set(errors)
    assert "past" in errors["date_of_birth"][0]


def test_malformed_json_types_get_field_messages(cast, api_for):
    response = api_for(cast.mash_manager).post(
        "/api/v1/people/", {"kind": "dragon", "date_of_birth": "yesterday"}, format="json"
    )
    assert response.status_code == 400
    assert {"kind", "date_of_birth"} <= set(response.json())


def test_roles_that_cannot_add_people_are_refused(cast, api_for):
    response = api_for(cast.auditor).post(
        "/api/v1/people/", {"kind": "child", "first_name": "X"}, format="json"
    )
    assert response.status_code == 403


def test_family_members_and_opening_a_case(cast, api_for):
    api = api_for(cast.mash_manager)
    family = api.post("/api/v1/families/", {"name": "Lane family"}, format="json").json()
    child = api.post(
        "/api/v1/people/", {"kind": "child", "first_name": "Ada", "last_name": "Lane"}, format="json"
    ).json()
    response = api.post(
        f"/api/v1/families/{family['id']}/members/",
        {"person_id": child["id"], "role": "child"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["members"][0]["person"]["name"] == "Ada Lane"
    duplicate = api.post(
        f"/api/v1/families/{family['id']}/members/",
        {"person_id": child["id"], "role": "child"},
        format="json",
    )
    assert duplicate.status_code == 400 and "person" in duplicate.json()

    opened = api.post(
        "/api/v1/cases/", {"family_id": family["id"], "team_id": cast.north.pk, "pathway": 2}, format="json"
    )
    assert opened.status_code == 201
    case = opened.json()
    assert case["reference"].startswith("C") and case["state"] == "open" and case["pathway"] == 2
    again = api.post(
        "/api/v1/cases/", {"family_id": family["id"], "team_id": cast.north.pk, "pathway": 1}, format="json"
    )
    assert again.status_code == 400
    assert case["reference"] in again.json()["family"][0]


def test_ids_the_user_cannot_see_are_field_errors(cast, world, api_for):
    response = api_for(cast.mash_manager).post(
        "/api/v1/cases/", {"family_id": 999999, "team_id": cast.north.pk, "pathway": 2}, format="json"
    )
    assert response.status_code == 400 and response.json() == {"family_id": ["No such family."]}


def test_allocate_and_close_with_optimistic_versions(cast, world, api_for):
    api = api_for(cast.team_manager)
    case = api.get(f"/api/v1/cases/{world.south_case.pk}/").json()
    allocated = api.post(
        f"/api/v1/cases/{case['id']}/allocate/",
        {"user_id": cast.social_worker.pk, "role": "key_worker", "version": case["version"]},
        format="json",
    )
    assert allocated.status_code == 200
    assert allocated.json()["key_worker"]["name"] == "Sam Walker"
    stale = api.post(
        f"/api/v1/cases/{case['id']}/close/", {"reason": "RC7", "version": case["version"]}, format="json"
    )
    assert stale.status_code == 400 and "version" in stale.json()
    closed = api.post(
        f"/api/v1/cases/{case['id']}/close/",
        {"reason": "RC7", "version": allocated.json()["version"]},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_chronology_list_and_add(cast, world, api_for):
    api = api_for(cast.fh_worker)
    url = f"/api/v1/cases/{world.north_case.pk}/chronology/"
    added = api.post(
        url,
        {
            "kind": "home_visit",
            "occurred_at": "2026-02-01T09:30:00Z",
            "summary": "Visit",
            "subject_id": world.north_child.pk,
        },
        format="json",
    )
    assert added.status_code == 201
    assert added.json()["subject"]["name"] == "Nia Northam"
    rows = api.get(url).json()["results"]
    assert any(row["summary"] == "Visit" for row in rows)
    assert {"kind", "occurred_at", "summary", "author", "author_agency"} <= set(rows[0])
    stranger = api.post(
        url,
        {
            "kind": "note",
            "occurred_at": "2026-02-01T09:30:00Z",
            "summary": "x",
            "subject_id": world.south_child.pk,
        },
        format="json",
    )
    assert stranger.status_code == 400 and "subject_id" in stranger.json()


def test_cases_filter_by_pathway(cast, world, api_for):
    rows = api_for(cast.auditor).get("/api/v1/cases/", {"pathway": 3}).json()["results"]
    assert [row["id"] for row in rows] == [world.south_case.pk]


def test_token_authentication(cast, world):
    key = api_token_create(user=cast.fh_worker, name="Script", ends_with_sign_out=False).key
    api = APIClient()
    assert api.get("/api/v1/cases/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [row["id"] for row in api.get("/api/v1/cases/").json()["results"]] == [world.north_case.pk]


def test_openapi_schema_is_valid_and_served(cast, tmp_path, api_for):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    response = api_for(cast.fh_worker).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/cases/",
        "/api/v1/people/",
        "/api/v1/families/",
        "/api/v1/cases/{case_pk}/chronology/",
    } <= set(schema["paths"])
    assert api_for(cast.fh_worker).get("/api/docs/").status_code == 200


def test_moving_house_keeps_the_address_history(cast, world, api_for):
    api = api_for(cast.fh_worker)
    response = api.post(
        f"/api/v1/people/{world.north_child.pk}/addresses/",
        {"line_1": "4 New Street", "postcode": "NG7 2RD", "moved_in": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201
    postcodes = [(a["postcode"], a["moved_out"]) for a in response.json()["addresses"]]
    assert ("NG7 2RD", None) in postcodes and ("NG1 5DT", "2026-06-01") in postcodes
    bad = api.post(
        f"/api/v1/people/{world.north_child.pk}/addresses/",
        {"line_1": "x", "postcode": "12345"},
        format="json",
    )
    assert bad.status_code == 400 and "postcode" in bad.json()


def test_recording_parental_responsibility(cast, world, api_for):
    family = world.north_case.family
    parent = family.memberships.get(role="parent_carer").person
    api = api_for(cast.fh_worker)
    url = f"/api/v1/families/{family.pk}/relationships/"
    ok = api.post(
        url,
        {
            "person_id": parent.pk,
            "relative_id": world.north_child.pk,
            "kind": "mother",
            "has_parental_responsibility": True,
        },
        format="json",
    )
    assert ok.status_code == 201
    assert family.relationships.get(person=parent).has_parental_responsibility
    outsider = api.post(
        url, {"person_id": parent.pk, "relative_id": world.south_child.pk, "kind": "mother"}, format="json"
    )
    assert outsider.status_code == 400 and "relative_id" in outsider.json()


def test_involving_and_releasing_a_partner(cast, world, api_for):
    family = world.north_case.family
    manager = api_for(cast.team_manager)
    partner = api_for(cast.school_dsl)
    assert partner.get(f"/api/v1/cases/{world.north_case.pk}/").status_code == 404
    added = manager.post(
        f"/api/v1/families/{family.pk}/involvements/",
        {"user_id": cast.school_dsl.pk, "role_description": "DSL"},
        format="json",
    )
    assert added.status_code == 201 and added.json()["agency"] == "Test Primary School"
    assert partner.get(f"/api/v1/cases/{world.north_case.pk}/").status_code == 200
    listed = manager.get(f"/api/v1/families/{family.pk}/involvements/").json()["results"]
    assert [row["user"]["id"] for row in listed] == [cast.school_dsl.pk]
    twice = manager.post(
        f"/api/v1/families/{family.pk}/involvements/",
        {"user_id": cast.school_dsl.pk, "role_description": "DSL"},
        format="json",
    )
    assert twice.status_code == 400 and "already involved" in twice.json()["user"][0]
    assert (
        partner.post(f"/api/v1/families/{family.pk}/involvements/{added.json()['id']}/end/").status_code
        == 403
    )
    ended = manager.post(f"/api/v1/families/{family.pk}/involvements/{added.json()['id']}/end/")
    assert ended.status_code == 200 and ended.json()["ended_at"]
    assert partner.get(f"/api/v1/cases/{world.north_case.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"name": "a\x00b"}, "name"),
        ({"postcode": "N\x00"}, "postcode"),
        ({"date_of_birth": "2026-02-30"}, "date_of_birth"),
    ],
)
def test_bad_search_parameters_are_400_not_500(params, field, cast, api_for):
    response = api_for(cast.social_worker).get("/api/v1/people/", params)
    assert response.status_code == 400 and field in response.json()


def test_nhs_numbers_must_be_ascii_digits(cast, api_for):
    arabic_indic = "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669"  # 9434765919
    response = api_for(cast.mash_manager).post(
        "/api/v1/people/", {"kind": "child", "first_name": "Ada", "nhs_number": arabic_indic}, format="json"
    )
    assert response.status_code == 400 and "nhs_number" in response.json()


def test_chronology_dates_before_1900_are_refused(cast, world, api_for):
    response = api_for(cast.fh_worker).post(
        f"/api/v1/cases/{world.north_case.pk}/chronology/",
        {"kind": "note", "occurred_at": "1850-06-01T12:00:00Z", "summary": "Typo"},
        format="json",
    )
    assert response.status_code == 400 and "1900" in response.json()["occurred_at"][0]


def test_relationships_and_moves_are_in_the_chronology(cast, world, api_for):
    from cases.models import ChronologyEntry

    family = world.north_case.family
    parent = family.memberships.get(role="parent_carer").person
    api = api_for(cast.fh_worker)
    api.post(
        f"/api/v1/families/{family.pk}/relationships/",
        {
            "person_id": parent.pk,
            "relative_id": world.north_child.pk,
            "kind": "mother",
            "has_parental_responsibility": True,
        },
        format="json",
    )
    api.post(
        f"/api/v1/people/{world.north_child.pk}/addresses/",
        {"line_1": "4 New St", "postcode": "NG7 2RD"},
        format="json",
    )
    kinds = dict(ChronologyEntry.objects.filter(family=family).values_list("kind", "summary"))
    assert "holds parental responsibility" in kinds["relationship_recorded"]
    assert "NG7 2RD" in kinds["address_changed"]
