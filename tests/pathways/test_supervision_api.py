"""Case supervision through the API and the pages (issue 18, 1): the contract clients rely on, field
errors, 404 for what the user may not see and 403 for what they see but may not do; every role on
the record page; a bad form keeps what was typed; the demo's supervisions."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import ChronologyKind
from cases.models import ChronologyEntry
from escalation.choices import TaskKind, TaskState
from escalation.models import Task
from pathways.models import Supervision, SupervisionAction
from tests.pathways.test_supervision import HELD, oversight, record  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def url(case):
    return f"/api/v1/cases/{case.pk}/supervisions/"


def body(oversight, **extra):  # noqa: F811
    return {
        "practitioner_id": oversight.case.key_worker_id,
        "held_on": HELD.isoformat(),
        "children_ids": [oversight.child.pk],
        "what_changed": "Dad has moved out.",
        "child_voice": "Sol said he feels safer; seen alone at school.",
        "plan_progress": "On track.",
        "discussion": "Whether to step down.",
        "direction": "Review at the next core group.",
        "actions": [
            {
                "what": "Visit",
                "owner_id": oversight.case.key_worker_id,
                "by_when": (HELD + timedelta(7)).isoformat(),
            }
        ],
    } | extra


# --- the contract -------------------------------------------------------------------------------------


def test_a_manager_records_a_supervision_and_reads_the_list(oversight, cast, api_for):  # noqa: F811
    api = api_for(cast.team_manager)
    response = api.post(url(oversight.case), body(oversight), format="json")
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["held_on"] == "2026-12-03"
    assert made["practitioner"] == {"id": cast.social_worker.pk, "name": str(cast.social_worker)}
    assert made["manager"]["id"] == cast.team_manager.pk
    assert [child["id"] for child in made["children"]] == [oversight.child.pk]
    assert made["direction"] == "Review at the next core group."
    assert made["actions"][0]["what"] == "Visit" and made["actions"][0]["done_at"] is None
    assert made["reflections"] == []
    listed = api.get(url(oversight.case))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [made["id"]]
    entry = ChronologyEntry.objects.get(case=oversight.case, kind=ChronologyKind.SUPERVISION)
    assert entry.summary == "Case supervised on 3 December 2026" and entry.detail == ""


def test_held_on_defaults_to_today_and_children_to_all_of_them(oversight, cast, api_for):  # noqa: F811
    response = api_for(cast.team_manager).post(
        url(oversight.case),
        {"practitioner_id": oversight.case.key_worker_id, "discussion": "Progress", "direction": "Carry on"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["held_on"] == timezone.localdate().isoformat()
    assert [child["id"] for child in response.json()["children"]] == [oversight.child.pk]


def test_field_errors_are_400s_naming_the_field(oversight, cast, world, api_for):  # noqa: F811
    api = api_for(cast.team_manager)
    missing = api.post(url(oversight.case), {"practitioner_id": oversight.case.key_worker_id}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()) >= {"discussion", "direction"}
    wrong = api.post(
        url(oversight.case),
        body(
            oversight,
            practitioner_id=cast.fh_worker.pk,
            children_ids=[world.north_child.pk],
            held_on=(timezone.localdate() + timedelta(days=2)).isoformat(),
            actions=[{"what": "Visit", "owner_id": cast.school_dsl.pk, "by_when": HELD.isoformat()}],
        ),
        format="json",
    )
    assert wrong.status_code == 400
    errors = wrong.json()
    assert "is not allocated to this case" in errors["practitioner"][0]
    assert errors["children"] == [f"Person P{world.north_child.pk} is not a child of this family."]
    assert errors["held_on"] == ["A supervision cannot be in the future: enter the date it was held."]
    assert "cannot open this case" in errors["actions.1.owner"][0]
    bad_action = api.post(url(oversight.case), body(oversight, actions=[{"what": "Visit"}]), format="json")
    assert bad_action.status_code == 400
    assert set(bad_action.json()["actions"]["0"]) == {"owner_id", "by_when"}
    assert not Supervision.objects.exists()


def test_an_invisible_case_is_404_and_a_visible_one_not_yours_to_supervise_403(oversight, cast, api_for):  # noqa: F811
    # The North family help worker cannot see the South case; the partner is not involved with it.
    assert (
        api_for(cast.fh_worker).post(url(oversight.case), body(oversight), format="json").status_code == 404
    )
    assert api_for(cast.fh_worker).get(url(oversight.case)).status_code == 404
    assert api_for(cast.school_dsl).get(url(oversight.case)).status_code == 404
    assert (
        api_for(cast.social_worker).post(url(oversight.case), body(oversight), format="json").status_code
        == 403
    )
    other = api_for(oversight.other_manager).post(url(oversight.case), body(oversight), format="json")
    assert other.status_code == 403 and "Family Help Team South" in other.json()["detail"]
    assert api_for(cast.team_manager).get("/api/v1/cases/999999/supervisions/").status_code == 404


def test_the_practitioner_reflects_and_the_owner_marks_the_action_done(oversight, cast, api_for):  # noqa: F811
    made = api_for(cast.team_manager).post(url(oversight.case), body(oversight), format="json").json()
    reflect = f"/api/v1/supervisions/{made['id']}/reflections/"
    assert api_for(cast.team_manager).post(reflect, {"text": "Agree"}, format="json").status_code == 403
    assert api_for(cast.fh_worker).post(reflect, {"text": "Agree"}, format="json").status_code == 404
    assert api_for(cast.social_worker).post(reflect, {"text": ""}, format="json").status_code == 400
    answer = api_for(cast.social_worker).post(reflect, {"text": "I will see Sol alone first."}, format="json")
    assert answer.status_code == 201
    assert answer.json()["reflections"][0]["text"] == "I will see Sol alone first."
    assert answer.json()["direction"] == "Review at the next core group."
    action_id = made["actions"][0]["id"]
    done = f"/api/v1/supervision-actions/{action_id}/done/"
    assert api_for(oversight.co_worker).post(done, {}, format="json").status_code == 403
    assert api_for(cast.fh_worker).post(done, {}, format="json").status_code == 404
    stale = api_for(cast.social_worker).post(done, {"version": 7}, format="json")
    assert stale.status_code == 400
    marked = api_for(cast.social_worker).post(done, {"version": 1}, format="json")
    assert marked.status_code == 200 and marked.json()["done_by"]["id"] == cast.social_worker.pk
    task = Task.objects.get(kind=TaskKind.SUPERVISION_ACTION, object_id=action_id)
    assert task.state == TaskState.DONE
    assert api_for(cast.social_worker).post(done, {}, format="json").status_code == 400


def test_the_api_is_in_the_openapi_schema(cast, api_for):
    schema = api_for(cast.team_manager).get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/v1/cases/{case_pk}/supervisions/"]
    assert {"get", "post"} <= set(operations)
    assert "/api/v1/supervisions/{supervision_pk}/reflections/" in schema["paths"]
    assert "/api/v1/supervision-actions/{action_pk}/done/" in schema["paths"]


# --- the pages -------------------------------------------------------------------------------------------

ROLE_ON_RECORD_PAGE = {
    # role -> (reading the supervision page, posting the record form)
    "team_manager": (200, 302),
    "family_help_worker": (200, 403),  # South's family help worker, co-working the case
    "social_worker": (200, 403),  # holds the case
    "expert_cp_practitioner": (200, 403),
    "mash_manager": (200, 403),
    "other_team_manager": (200, 403),
    "head_of_service": (200, 403),
    "partner_practitioner": (403, 403),  # involved with the family: sees the case, not supervision
    "auditor": (200, 403),
}


def _user(role, cast, oversight):  # noqa: F811
    return {
        "family_help_worker": oversight.co_worker,
        "other_team_manager": oversight.other_manager,
        "head_of_service": oversight.head,
    }.get(role) or cast.by_role()[role]


def _form(oversight, **extra):  # noqa: F811
    data = {
        "supervision-practitioner": oversight.case.key_worker_id,
        "supervision-held_on_day": HELD.day,
        "supervision-held_on_month": HELD.month,
        "supervision-held_on_year": HELD.year,
        "supervision-children": [oversight.child.pk],
        "supervision-child_voice": "Sol's three houses: the worry house is about shouting.",
        "supervision-discussion": "Whether the shouting has stopped.",
        "supervision-direction": "Visit again within two weeks.",
        "actions-TOTAL_FORMS": 3,
        "actions-INITIAL_FORMS": 0,
        "actions-0-what": "Visit unannounced",
        "actions-0-owner": oversight.case.key_worker_id,
        "actions-0-by_when_day": 10,
        "actions-0-by_when_month": 12,
        "actions-0-by_when_year": 2026,
    }
    return data | extra


@pytest.mark.parametrize("role", list(ROLE_ON_RECORD_PAGE))
def test_every_role_on_the_record_page(role, oversight, cast, client_for):  # noqa: F811
    from cases.services import involvement_add

    involvement_add(
        family=oversight.case.family, user=cast.school_dsl, role_description="DSL", by=cast.team_manager
    )
    client = client_for(_user(role, cast, oversight))
    reading, posting = ROLE_ON_RECORD_PAGE[role]
    page = client.get(reverse("pathways:supervisions", args=[oversight.case.pk]))
    assert page.status_code == reading
    if reading == 200:
        assert ("Record the supervision" in page.content.decode()) == (posting == 302)
    response = client.post(reverse("pathways:supervision-record", args=[oversight.case.pk]), _form(oversight))
    assert response.status_code == posting
    assert Supervision.objects.exists() == (posting == 302)


def test_a_family_help_worker_of_another_team_gets_404(oversight, cast, client_for):  # noqa: F811
    client = client_for(cast.fh_worker)
    assert client.get(reverse("pathways:supervisions", args=[oversight.case.pk])).status_code == 404
    response = client.post(reverse("pathways:supervision-record", args=[oversight.case.pk]), _form(oversight))
    assert response.status_code == 404


def test_the_form_records_and_lands_on_the_supervision(oversight, cast, client_for):  # noqa: F811
    client = client_for(cast.team_manager)
    response = client.post(reverse("pathways:supervision-record", args=[oversight.case.pk]), _form(oversight))
    supervision = Supervision.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "pathways:supervision", args=[supervision.pk]
    )
    assert [action.what for action in supervision.actions.all()] == ["Visit unannounced"]
    detail = client.get(response.url).content.decode()
    assert "Visit again within two weeks." in detail and "Mark done" in detail
    # The practitioner adds a reflection and marks the action done from the page.
    worker = client_for(cast.social_worker)
    page = worker.get(response.url).content.decode()
    assert "Add your reflection" in page
    bad = worker.post(reverse("pathways:supervision-reflect", args=[supervision.pk]), {"reflection-text": ""})
    assert bad.status_code == 400 and "Write your reflection." in bad.content.decode()
    worker.post(reverse("pathways:supervision-reflect", args=[supervision.pk]), {"reflection-text": "Noted."})
    action = supervision.actions.get()
    worker.post(reverse("pathways:supervision-action-done", args=[action.pk]), {"version": action.version})
    action.refresh_from_db()
    assert action.done_by == cast.social_worker
    assert supervision.reflections.get().text == "Noted."


def test_bad_input_gives_form_errors_and_keeps_what_was_typed(oversight, cast, client_for):  # noqa: F811
    client = client_for(cast.team_manager)
    response = client.post(
        reverse("pathways:supervision-record", args=[oversight.case.pk]),
        _form(
            oversight,
            **{
                "supervision-direction": "",
                "actions-0-owner": "",
                "actions-1-what": "Ask the school about attendance",
            },
        ),
    )
    assert response.status_code == 400
    text = unescape(response.content.decode())
    assert "There is a problem" in text
    assert "Record the management direction: what is to happen next." in text
    assert "Choose who will do it." in text
    assert "Sol's three houses: the worry house is about shouting." in text
    assert "Whether the shouting has stopped." in text
    assert "Ask the school about attendance" in text
    assert not Supervision.objects.exists()


def test_the_case_page_shows_when_it_was_last_supervised(oversight, cast, client_for):  # noqa: F811
    record(oversight)
    page = client_for(cast.team_manager).get(reverse("cases:case-detail", args=[oversight.case.pk]))
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "last supervised 3 December 2026" in text
    assert reverse("pathways:supervisions", args=[oversight.case.pk]) in text


def test_the_supervision_pages_cost_the_same_queries_for_more_supervisions(oversight, cast, client_for):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pathways.services import SupervisionActionDetails

    client = client_for(cast.team_manager)
    record(
        oversight,
        actions=[SupervisionActionDetails(what="One", owner=cast.social_worker, by_when=HELD + timedelta(3))],
    )
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pathways:supervisions", args=[oversight.case.pk]))
    for n in range(3):
        record(
            oversight,
            held_on=HELD,
            actions=[
                SupervisionActionDetails(
                    what=f"More {n}", owner=cast.social_worker, by_when=HELD + timedelta(3)
                ),
                SupervisionActionDetails(
                    what=f"Again {n}", owner=cast.team_manager, by_when=HELD + timedelta(3)
                ),
            ],
        )
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("pathways:supervisions", args=[oversight.case.pk]))
    assert len(four) == len(one)
    assert SupervisionAction.objects.count() == 7


# --- the demo --------------------------------------------------------------------------------------------


def test_the_demo_records_supervisions_with_one_case_overdue(oversight, cast):  # noqa: F811
    from accounts.models import Team, User
    from cases.choices import AllocationRole
    from cases.services import case_allocate
    from demo.supervision import seed_supervisions
    from pathways.choices import Outcome
    from pathways.models import SupervisionReflection
    from pathways.selectors import cases_overdue_for_supervision
    from pathways.services import DecisionDetails, decision_record
    from tests.fixtures import _family_with_case

    second, _ = _family_with_case(
        cast, name="Secondly", team=cast.south, pathway=2, child_name="Ada Secondly"
    )
    decision_record(
        case=second,
        by=cast.mash_manager,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="Neglect", referral_source="2A", primary_need="N1"
        ),
    )
    case_allocate(
        case=second, user=cast.fh_worker_south, role=AllocationRole.KEY_WORKER, by=cast.team_manager
    )
    users = {user.username: user for user in User.objects.all()}
    teams = {team.name: team for team in Team.objects.all()}
    made = seed_supervisions(users, teams)
    assert len(made) == 2
    assert all(supervision.manager == cast.team_manager for supervision in made)
    assert all(supervision.practitioner == supervision.case.key_worker for supervision in made)
    assert SupervisionAction.objects.count() == 3 and SupervisionReflection.objects.count() == 1
    # The case opened longest ago was supervised long ago: it is overdue for the next.
    assert list(cases_overdue_for_supervision(cast.team_manager)) == [oversight.case]
    assert seed_supervisions(users, teams) == []  # once only
