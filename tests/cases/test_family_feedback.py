"""Families' feedback on the help they got: asked for when a plan ends or the case steps down or
closes, by a single-use link the family opens without signing in, or recorded by a worker from a
conversation; it goes on the family's chronology and into each team's results."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import selectors, services
from cases.choices import ChronologyKind, ClosureReason, FeedbackVia
from cases.models import ChronologyEntry, FamilyFeedback, FeedbackInvitation, FeedbackInvitationEvent
from pathways.choices import Outcome
from pathways.services import DecisionDetails, decision_record

pytestmark = pytest.mark.django_db

ANSWERS = {"help_right": "yes", "listened_to": "partly", "ask_again": "yes", "comments": "Jo really helped."}


@pytest.fixture
def closed_case(cast, world):
    return services.case_close(
        case=world.north_case, reason=ClosureReason.RC7, note="Goals met.", by=cast.team_manager
    )


def _token(url: str) -> str:
    return re.search(r"/feedback/([^/]+)/$", url).group(1)


def _invite(client_for, user, case) -> str:
    response = client_for(user).post(f"/cases/{case.pk}/feedback/invite/")
    assert response.status_code == 200, response.content
    return _token(response.context["link"]["url"])


# --- when a family can be asked ---------------------------------------------------------------


def test_a_family_is_not_asked_while_nothing_on_the_case_has_ended(cast, world):
    with pytest.raises(ValidationError) as refused:
        services.feedback_invite(case=world.north_case, by=cast.fh_worker)
    assert "nothing on this case has ended yet" in refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.feedback_record(case=world.north_case, by=cast.fh_worker, **ANSWERS)
    assert not FeedbackInvitation.objects.exists() and not FamilyFeedback.objects.exists()


def test_a_closed_case_or_a_step_down_to_a_lower_pathway_lets_the_family_be_asked(cast, world, closed_case):
    assert services.feedback_moment(closed_case).startswith("The case closed on")
    south = world.south_case  # pathway 3
    decision_record(
        case=south,
        by=cast.ecpp,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_4,
            rationale="Strategy discussion: reasonable cause to suspect significant harm.",
            lawful_basis="Children Act 1989 s47.",
        ),
    )
    south.refresh_from_db()
    assert services.feedback_moment(south) is None  # stepping up ends nothing
    decision_record(
        case=south,
        by=cast.ecpp,
        details=DecisionDetails(
            outcome=Outcome.PATHWAY_3, rationale="Risks reduced: support as a child in need."
        ),
    )
    south.refresh_from_db()
    assert services.feedback_moment(south).startswith("The case stepped down to pathway 3")
    invitation, _ = services.feedback_invite(case=south, by=cast.team_manager)
    assert invitation.moment.startswith("The case stepped down")


# --- the single-use link ------------------------------------------------------------------------


def test_the_link_is_stored_only_as_a_hash_and_works_once(cast, closed_case, client_for, client):
    token = _invite(client_for, cast.fh_worker, closed_case)
    invitation = FeedbackInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(FeedbackInvitation.objects.values_list()))
    assert FeedbackInvitationEvent.objects.filter(invitation=invitation, kind="sent").exists()

    client.logout()
    form = client.get(f"/feedback/{token}/")
    assert form.status_code == 200
    assert b"Tell us about the help your family got" in form.content
    assert b"OFFICIAL-SENSITIVE" not in form.content  # the family's footer, not the staff's
    done = client.post(f"/feedback/{token}/", ANSWERS)
    assert done.status_code == 200 and b"Thank you for your feedback" in done.content

    feedback = FamilyFeedback.objects.get()
    assert (feedback.via, feedback.invitation, feedback.recorded_by) == (FeedbackVia.ONLINE, invitation, None)
    assert feedback.team == closed_case.team and feedback.comments == "Jo really helped."
    invitation.refresh_from_db()
    assert invitation.used_at is not None and invitation.state == "used"

    again = client.post(f"/feedback/{token}/", ANSWERS)
    assert again.status_code == 404 and b"This link no longer works" in again.content
    assert FamilyFeedback.objects.count() == 1


def test_the_familys_feedback_goes_on_their_chronology_in_the_same_write(cast, closed_case):
    _, token = services.feedback_invite(case=closed_case, by=cast.fh_worker)
    services.feedback_give(token=token, given_by="Mum", **ANSWERS)
    entry = ChronologyEntry.objects.get(kind=ChronologyKind.FAMILY_FEEDBACK)
    assert entry.case == closed_case and entry.family == closed_case.family
    assert "online" in entry.summary and "listened to: partly" in entry.summary
    assert "Given by: Mum" in entry.detail and "Jo really helped." in entry.detail
    assert entry.row_hash  # chained like every chronology entry


def test_used_expired_withdrawn_and_unknown_links_get_the_same_page(cast, closed_case, client):
    _, used = services.feedback_invite(case=closed_case, by=cast.fh_worker)
    services.feedback_give(token=used, **ANSWERS)
    withdrawn_invitation, withdrawn = services.feedback_invite(case=closed_case, by=cast.fh_worker)
    services.feedback_invitation_revoke(invitation=withdrawn_invitation, by=cast.fh_worker)
    _, expired = services.feedback_invite(case=closed_case, by=cast.fh_worker)
    pages = []
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        for token in (used, withdrawn, expired, "no-such-link"):
            response = client.get(f"/feedback/{token}/")
            assert response.status_code == 404
            pages.append(re.sub(rb'nonce="[^"]*"', b"", response.content))
        with pytest.raises(ValidationError) as refused:
            services.feedback_give(token=expired, **ANSWERS)
        assert refused.value.code == "link"
    assert len(set(pages)) == 1


def test_a_new_link_replaces_one_the_family_has_not_used(cast, closed_case):
    first, first_token = services.feedback_invite(case=closed_case, by=cast.fh_worker)
    services.feedback_invite(case=closed_case, by=cast.fh_worker)
    first.refresh_from_db()
    assert first.state == "revoked"
    with pytest.raises(ValidationError):
        services.feedback_give(token=first_token, **ANSWERS)


def test_bad_input_on_the_public_form_keeps_what_the_family_chose(cast, closed_case, client):
    _, token = services.feedback_invite(case=closed_case, by=cast.fh_worker)
    response = client.post(f"/feedback/{token}/", {"help_right": "yes", "comments": "Kind people."})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Select whether you felt listened to" in body
    assert "Select whether you would ask us for help again" in body
    assert re.search(r'value="yes"[^>]*checked|checked[^>]*value="yes"', body)
    assert "Kind people." in body
    assert not FamilyFeedback.objects.exists()
    assert FeedbackInvitation.objects.get().state == "open"  # a mistake does not use up the link


# --- the worker's side and who may use it ---------------------------------------------------------


def test_a_worker_records_feedback_from_a_conversation(cast, closed_case, client_for):
    response = client_for(cast.fh_worker).post(
        f"/cases/{closed_case.pk}/feedback/record/",
        {f"feedback-{k}": v for k, v in {**ANSWERS, "given_by": "Dad, on the phone"}.items()},
    )
    assert response.status_code == 302
    feedback = FamilyFeedback.objects.get()
    assert feedback.via == FeedbackVia.CONVERSATION and feedback.recorded_by == cast.fh_worker
    entry = ChronologyEntry.objects.get(kind=ChronologyKind.FAMILY_FEEDBACK)
    assert entry.author == cast.fh_worker and "in a conversation with" in entry.summary
    page = client_for(cast.fh_worker).get(f"/cases/{closed_case.pk}/feedback/")
    assert b"Dad, on the phone" in page.content


def test_bad_input_on_the_workers_form_is_a_form_error_not_a_500(cast, closed_case, client_for):
    response = client_for(cast.fh_worker).post(
        f"/cases/{closed_case.pk}/feedback/record/",
        {"feedback-help_right": "maybe", "feedback-comments": "x"},
    )
    assert response.status_code == 400
    assert b"Select whether the help was the right help for your family" in response.content
    assert not FamilyFeedback.objects.exists()


@pytest.mark.parametrize(
    ("who", "read", "ask"),
    [
        ("fh_worker", 200, 200),  # allocated, and in the case's team
        ("social_worker", 200, 200),  # in the case's team
        ("team_manager", 200, 200),  # manages the case's team
        ("ecpp", 200, 403),  # sees every case, but does not work this one
        ("mash_manager", 200, 403),
        ("auditor", 200, 403),
        ("fh_worker_south", 404, 404),  # cannot see another team's case
        ("administrator", 404, 404),
    ],
)
def test_who_may_read_and_ask_for_a_familys_feedback(cast, closed_case, client_for, who, read, ask):
    client = client_for(getattr(cast, who))
    assert client.get(f"/cases/{closed_case.pk}/feedback/").status_code == read
    assert client.post(f"/cases/{closed_case.pk}/feedback/invite/").status_code == ask
    recorded = client.post(
        f"/cases/{closed_case.pk}/feedback/record/", {f"feedback-{k}": v for k, v in ANSWERS.items()}
    )
    assert recorded.status_code == (302 if ask == 200 else ask)


def test_a_partner_involved_with_the_family_is_refused(cast, world, api_for, client_for):
    case = services.case_close(case=world.school_case, reason=ClosureReason.RC7, by=cast.team_manager)
    client = client_for(cast.school_dsl)
    assert client.get(f"/cases/{case.pk}/feedback/").status_code == 403
    assert client.post(f"/cases/{case.pk}/feedback/invite/").status_code == 403
    api = api_for(cast.school_dsl)
    assert api.get(f"/api/v1/cases/{case.pk}/feedback/").status_code == 403
    assert api.post(f"/api/v1/cases/{case.pk}/feedback/", ANSWERS, format="json").status_code == 403
    services.feedback_record(case=case, by=cast.team_manager, **ANSWERS)
    visible = selectors.family_chronology(cast.school_dsl, case.family)
    assert not visible.filter(kind=ChronologyKind.FAMILY_FEEDBACK).exists()


def test_the_case_page_links_to_the_familys_feedback(cast, closed_case, client_for):
    page = client_for(cast.fh_worker).get(f"/cases/{closed_case.pk}/")
    assert f"/cases/{closed_case.pk}/feedback/".encode() in page.content


# --- the API --------------------------------------------------------------------------------------


def test_api_makes_a_link_records_and_lists_feedback(cast, closed_case, api_for, client):
    api = api_for(cast.fh_worker)
    made = api.post(f"/api/v1/cases/{closed_case.pk}/feedback-invitations/")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert {"id", "case", "moment", "created_at", "expires_at", "url"} <= set(body)
    token = _token(body["url"])
    assert client.get(f"/feedback/{token}/").status_code == 200

    recorded = api.post(
        f"/api/v1/cases/{closed_case.pk}/feedback/", {**ANSWERS, "given_by": "Mum"}, format="json"
    )
    assert recorded.status_code == 201, recorded.json()
    assert (
        recorded.json()["via"] == "conversation" and recorded.json()["recorded_by"]["id"] == cast.fh_worker.pk
    )

    listed = api.get(f"/api/v1/cases/{closed_case.pk}/feedback/")
    assert listed.status_code == 200
    results = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    assert [row["given_by"] for row in results] == ["Mum"]


def test_api_bad_answers_get_field_messages(cast, closed_case, world, api_for):
    api = api_for(cast.fh_worker)
    bad = api.post(f"/api/v1/cases/{closed_case.pk}/feedback/", {"help_right": "maybe"}, format="json")
    assert bad.status_code == 400
    assert {"help_right", "listened_to", "ask_again"} <= set(bad.json())
    not_yet = api_for(cast.team_manager).post(f"/api/v1/cases/{world.south_case.pk}/feedback-invitations/")
    assert not_yet.status_code == 400 and "nothing on this case has ended yet" in str(not_yet.json())


# --- results per team ---------------------------------------------------------------------------


def test_feedback_by_team_counts_and_shares_each_answer(cast, world, closed_case):
    services.feedback_record(case=closed_case, by=cast.fh_worker, **ANSWERS)
    services.feedback_record(
        case=closed_case, by=cast.fh_worker, help_right="no", listened_to="partly", ask_again="not_sure"
    )
    rows = selectors.feedback_by_team([cast.north, cast.south], timezone.now() - timedelta(days=1), None)
    north, south = rows
    assert (north["team"], north["count"], south["count"]) == (cast.north, 2, 0)
    help_right = {answer["answer"]: answer for answer in north["questions"]["help_right"]}
    assert (help_right["yes"]["count"], help_right["yes"]["share"]) == (1, 50)
    listened = {answer["answer"]: answer["share"] for answer in north["questions"]["listened_to"]}
    assert listened == {"yes": 0, "partly": 100, "no": 0}
    later = selectors.feedback_by_team([cast.north], timezone.now() + timedelta(days=1), None)
    assert later[0]["count"] == 0


def test_what_a_family_said_can_be_neither_changed_nor_removed(cast, closed_case):
    from django.db import DatabaseError, connection, transaction

    services.feedback_record(case=closed_case, by=cast.fh_worker, **ANSWERS)
    for statement in (
        "UPDATE cases_familyfeedback SET help_right = 'no'",
        "DELETE FROM cases_familyfeedback",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert FamilyFeedback.objects.get().help_right == "yes"
