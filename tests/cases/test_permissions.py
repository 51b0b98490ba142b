"""Every role against every case endpoint, UI and API alike: who sees what (404 when not),
who may act (403 when seen but not allowed). See DOMAIN.md "People and roles"."""

import pytest
from django.urls import reverse

# Which of the world's cases each role may see.
EVERYTHING = {"north", "south", "school"}
VISIBLE = {
    "family_help_worker": {"north"},  # their team's case (and they are its key worker)
    "social_worker": EVERYTHING,
    "expert_cp_practitioner": EVERYTHING,
    "mash_manager": EVERYTHING,
    "team_manager": EVERYTHING,
    "partner_practitioner": {"school"},  # only the family they are involved with
    "auditor": EVERYTHING,
    "administrator": set(),  # manages users, never reads case content
}
ROLES = sorted(VISIBLE)


def _cases(world):
    return {"north": world.north_case, "south": world.south_case, "school": world.school_case}


@pytest.mark.parametrize("role", ROLES)
def test_case_page_is_visible_only_within_the_roles_scope(role, cast, world, client_for):
    client = client_for(cast.by_role()[role])
    for name, case in _cases(world).items():
        response = client.get(reverse("cases:case-detail", args=[case.pk]))
        expected = 200 if name in VISIBLE[role] else 404
        assert response.status_code == expected, f"{role} opening the {name} case"


@pytest.mark.parametrize("role", ROLES)
def test_case_api_detail_and_list_follow_the_same_rule(role, cast, world, api_for):
    api = api_for(cast.by_role()[role])
    cases = _cases(world)
    for name, case in cases.items():
        response = api.get(f"/api/v1/cases/{case.pk}/")
        assert response.status_code == (200 if name in VISIBLE[role] else 404), f"{role} GET {name}"
    listed = {row["id"] for row in api.get("/api/v1/cases/").json()["results"]}
    assert listed == {cases[name].pk for name in VISIBLE[role]}


@pytest.mark.parametrize("role", ROLES)
def test_chronology_api_is_404_for_unseen_cases(role, cast, world, api_for):
    api = api_for(cast.by_role()[role])
    for name, case in _cases(world).items():
        response = api.get(f"/api/v1/cases/{case.pk}/chronology/")
        assert response.status_code == (200 if name in VISIBLE[role] else 404), f"{role} chronology of {name}"


@pytest.mark.parametrize("role", ROLES)
def test_people_and_families_lists_are_restricted(role, cast, world, api_for):
    api = api_for(cast.by_role()[role])
    cases = _cases(world)
    families = {row["id"] for row in api.get("/api/v1/families/").json()["results"]}
    assert families == {cases[name].family_id for name in VISIBLE[role]}
    people = {row["id"] for row in api.get("/api/v1/people/").json()["results"]}
    expected = {
        person_id
        for name in VISIBLE[role]
        for person_id in cases[name].family.memberships.values_list("person_id", flat=True)
    }
    assert people == expected


def test_signed_out_visitors_are_sent_to_sign_in_and_refused_by_the_api(world, client, api_for):
    response = client.get(reverse("cases:case-detail", args=[world.north_case.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert api_for(None).get(f"/api/v1/cases/{world.north_case.pk}/").status_code in (401, 403)


# Who may allocate and close: team managers only. Seen-but-not-allowed is 403; unseen is 404.
ACTION_EXPECTATIONS = {
    "family_help_worker": 403,
    "social_worker": 403,
    "expert_cp_practitioner": 403,
    "mash_manager": 403,
    "team_manager": 200,
    "partner_practitioner": 404,
    "auditor": 403,
    "administrator": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_team_managers_allocate_via_api(role, cast, world, api_for):
    case = world.north_case
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/cases/{case.pk}/allocate/",
        {"user_id": cast.social_worker.pk, "role": "co_worker", "version": case.version},
        format="json",
    )
    assert response.status_code == ACTION_EXPECTATIONS[role]


@pytest.mark.parametrize("role", ROLES)
def test_only_team_managers_close_via_the_page(role, cast, world, client_for):
    case = world.north_case
    response = client_for(cast.by_role()[role]).post(
        reverse("cases:case-close", args=[case.pk]), {"close-reason": "RC7", "close-version": case.version}
    )
    expected = 302 if role == "team_manager" else ACTION_EXPECTATIONS[role]
    assert response.status_code == expected
    case.refresh_from_db()
    assert case.is_open == (role != "team_manager")


# Adding to the chronology: practitioners on what they can see; never the auditor or admin.
CHRONOLOGY_ADD = {
    "family_help_worker": 201,
    "social_worker": 201,
    "expert_cp_practitioner": 201,
    "mash_manager": 201,
    "team_manager": 201,
    "partner_practitioner": 404,  # the north family is not theirs
    "auditor": 403,
    "administrator": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_to_the_chronology(role, cast, world, api_for):
    response = api_for(cast.by_role()[role]).post(
        f"/api/v1/cases/{world.north_case.pk}/chronology/",
        {"kind": "phone_call", "occurred_at": "2026-01-05T10:00:00Z", "summary": "Called mum"},
        format="json",
    )
    assert response.status_code == CHRONOLOGY_ADD[role]


def test_partner_can_contribute_to_the_family_they_are_involved_with(cast, world, api_for):
    response = api_for(cast.school_dsl).post(
        f"/api/v1/cases/{world.school_case.pk}/chronology/",
        {
            "kind": "school_contact",
            "occurred_at": "2026-01-05T10:00:00Z",
            "summary": "Attendance 85% this term",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["author_agency"] == "Test Primary School"


def test_allocation_opens_a_case_to_a_worker_from_another_team(cast, world, client_for):
    from cases import services

    url = reverse("cases:case-detail", args=[world.north_case.pk])
    assert client_for(cast.fh_worker_south).get(url).status_code == 404
    services.case_allocate(
        case=world.north_case, user=cast.fh_worker_south, role="co_worker", by=cast.team_manager
    )
    assert client_for(cast.fh_worker_south).get(url).status_code == 200


def test_ending_an_involvement_closes_the_family_to_the_partner(cast, world, client_for):
    from cases import services

    url = reverse("cases:case-detail", args=[world.school_case.pk])
    assert client_for(cast.school_dsl).get(url).status_code == 200
    involvement = world.school_case.family.involvements.get(user=cast.school_dsl)
    services.involvement_end(involvement=involvement, by=cast.team_manager)
    assert client_for(cast.school_dsl).get(url).status_code == 404


def test_person_pages_follow_family_visibility(cast, world, client_for):
    url = reverse("cases:person-detail", args=[world.south_child.pk])
    assert client_for(cast.school_dsl).get(url).status_code == 404
    assert client_for(cast.fh_worker).get(url).status_code == 404
    assert client_for(cast.social_worker).get(url).status_code == 200


def test_partner_does_not_find_people_outside_their_families_by_search(cast, world, client_for):
    response = client_for(cast.school_dsl).get(reverse("cases:person-search"), {"name": "Southey"})
    assert response.status_code == 200
    assert "Sol Southey" not in response.content.decode()
    response = client_for(cast.social_worker).get(reverse("cases:person-search"), {"name": "Southey"})
    assert "Sol Southey" in response.content.decode()


def test_a_manager_acts_only_on_their_own_teams_cases(cast, world, api_for):
    from accounts.choices import Role
    from tests.accounts.factories import TeamFactory, UserFactory

    east = TeamFactory(name="Family Help Team East", agency=cast.la)
    other_manager = UserFactory(
        username="east.manager", roles=[Role.TEAM_MANAGER], teams=[east], agency=cast.la
    )
    api = api_for(other_manager)
    case = world.north_case
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 200  # may see every case
    closing = api.post(
        f"/api/v1/cases/{case.pk}/close/", {"reason": "RC7", "version": case.version}, format="json"
    )
    assert closing.status_code == 403
    allocating = api.post(
        f"/api/v1/cases/{case.pk}/allocate/",
        {"user_id": cast.social_worker.pk, "role": "co_worker", "version": case.version},
        format="json",
    )
    assert allocating.status_code == 403


@pytest.mark.parametrize("outsider", ["administrator", "auditor"])
def test_auditors_and_administrators_cannot_be_given_case_access(outsider, cast, world, api_for):
    user = getattr(cast, outsider)
    manager = api_for(cast.team_manager)
    involved = manager.post(
        f"/api/v1/families/{world.north_case.family_id}/involvements/",
        {"user_id": user.pk, "role_description": "Sneaking in"},
        format="json",
    )
    assert involved.status_code == 400 and "not a practitioner" in involved.json()["user"][0]
    allocated = manager.post(
        f"/api/v1/cases/{world.north_case.pk}/allocate/",
        {"user_id": user.pk, "role": "co_worker", "version": world.north_case.version},
        format="json",
    )
    assert allocated.status_code == 400 and "does not work on cases" in allocated.json()["user"][0]
    if outsider == "administrator":
        assert api_for(user).get(f"/api/v1/cases/{world.north_case.pk}/").status_code == 404


def test_an_old_allocation_does_not_open_later_episodes(cast, world, api_for):
    from django.utils import timezone

    from cases import services

    services.case_allocate(case=world.south_case, user=cast.fh_worker, role="co_worker", by=cast.team_manager)
    services.case_close(case=world.south_case, reason="RC7", by=cast.team_manager)
    later = services.case_open(
        family=world.south_case.family, team=cast.south, pathway=2, by=cast.mash_manager
    )
    services.chronology_entry_add(
        family=later.family,
        case=later,
        by=cast.social_worker,
        kind="note",
        occurred_at=timezone.now(),
        summary="Later episode note",
    )
    api = api_for(cast.fh_worker)
    old = api.get(f"/api/v1/cases/{world.south_case.pk}/chronology/")
    assert old.status_code == 200
    summaries = [row["summary"] for row in old.json()["results"]]
    assert "Later episode note" not in summaries
    assert any("allocated as co-worker" in summary for summary in summaries)
    assert api.get(f"/api/v1/cases/{later.pk}/").status_code == 404


def test_person_search_does_not_name_families_the_user_cannot_see(cast, world, client_for):
    from cases import services

    services.family_member_add(
        family=world.south_case.family, person=world.north_child, role="child", by=cast.mash_manager
    )
    page = client_for(cast.fh_worker).get(reverse("cases:person-search"), {"name": "Nia"}).content.decode()
    assert "Northam family" in page and "Southey family" not in page


def test_what_a_worker_creates_stays_visible_until_it_is_attached(cast, api_for):
    api = api_for(cast.fh_worker)
    family = api.post("/api/v1/families/", {"name": "Newby family"}, format="json").json()
    person = api.post(
        "/api/v1/people/", {"kind": "child", "first_name": "Nell", "last_name": "Newby"}, format="json"
    ).json()
    assert api.get(f"/api/v1/families/{family['id']}/").status_code == 200
    assert api.get(f"/api/v1/people/{person['id']}/").status_code == 200
    added = api.post(
        f"/api/v1/families/{family['id']}/members/",
        {"person_id": person["id"], "role": "child"},
        format="json",
    )
    assert added.status_code == 201
    # Nobody else outside their scope can see it.
    assert api_for(cast.fh_worker_south).get(f"/api/v1/families/{family['id']}/").status_code == 404
