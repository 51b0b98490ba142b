"""Conversations and visits: each a chronology entry; may carry contributions; seen / seen alone."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Contribution, Conversation
from assessments.services import ContributionDraft, conversation_record
from cases.selectors import family_members

pytestmark = pytest.mark.django_db


def test_a_visit_is_in_the_chronology_carries_contributions_and_dates_who_was_seen(cast, world):
    family = world.north_case.family
    when = timezone.now() - timedelta(days=2)
    visit = conversation_record(
        family=family,
        case=world.north_case,
        by=cast.fh_worker,
        kind="home_visit",
        occurred_at=when,
        location="Home",
        present="Mum, Nia",
        discussed="Morning routine",
        family_words="Mornings are chaos",
        child_words="I like toast",
        children_seen=[world.north_child],
        children_seen_alone=[world.north_child],
        contributions=[
            ContributionDraft(
                section="voice_of_child",
                text="Nia wants breakfast at home",
                child=world.north_child,
                gathered_by="direct_conversation",
            )
        ],
    )
    assert (
        visit.chronology_entry.kind == "home_visit"
        and "Seen alone: Nia Northam" in visit.chronology_entry.detail
    )
    assert Contribution.objects.get(conversation=visit).section == "voice_of_child"
    child = next(m for m in family_members(family) if m.person_id == world.north_child.pk)
    assert child.last_seen == when and child.last_seen_alone == when


def test_a_family_support_conversation_fulfils_pathway_1(cast, world):
    talk = conversation_record(
        family=world.north_case.family,
        by=cast.fh_worker,
        kind="family_support_conversation",
        occurred_at=timezone.now(),
        discussed="What would help",
    )
    assert talk.get_kind_display() == "Family support conversation (pathway 1)"


def test_conversation_rules_and_nothing_saved_half(cast, world):
    family = world.north_case.family
    with pytest.raises(ValidationError) as excinfo:
        conversation_record(
            family=family,
            by=cast.fh_worker,
            kind="home_visit",
            occurred_at=timezone.now() + timedelta(days=1),
            discussed="",
            children_seen=[world.south_child],
        )
    assert {"occurred_at", "discussed", "children_seen"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError) as excinfo:
        conversation_record(
            family=family,
            by=cast.fh_worker,
            kind="home_visit",
            occurred_at=timezone.now(),
            discussed="x",
            children_seen_alone=[world.north_child],
        )
    assert "children_seen_alone" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        conversation_record(
            family=family,
            by=cast.fh_worker,
            kind="home_visit",
            occurred_at=timezone.now(),
            discussed="x",
            contributions=[ContributionDraft(section="how_worried", text="no scale")],
        )
    assert "contributions.1.scale" in excinfo.value.message_dict
    assert not Conversation.objects.exists()  # the failed contribution rolled the visit back


def test_recording_a_visit_from_the_page_and_the_api(cast, world, client_for, api_for):
    family = world.north_case.family
    url = reverse("assessments:conversation-add", args=[family.pk])
    client = client_for(cast.fh_worker)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"conversation-kind": "home_visit", "conversation-discussed": "Kept text"})
    assert bad.status_code == 400 and "Kept text" in bad.content.decode()
    ok = client.post(
        url,
        {
            "conversation-kind": "home_visit",
            "conversation-occurred_at": "2026-11-01T10:00",
            "conversation-discussed": "Routines",
            "conversation-children_seen": [world.north_child.pk],
            "conversation-section": "family_view",
            "conversation-contribution": "They want help with mornings",
        },
    )
    assert ok.status_code == 302
    assert Contribution.objects.filter(section="family_view", conversation__isnull=False).exists()
    assert client_for(cast.auditor).post(url, {}).status_code == 403

    api = api_for(cast.school_dsl)
    school_family = world.school_case.family
    created = api.post(
        f"/api/v1/families/{school_family.pk}/conversations/",
        {
            "kind": "school_visit",
            "occurred_at": "2026-11-02T09:00:00Z",
            "discussed": "Attendance",
            "children_seen_ids": [],
        },
        format="json",
    )
    assert created.status_code == 201
    assert (
        api.get(f"/api/v1/families/{school_family.pk}/conversations/").json()["results"][0]["kind"]
        == "school_visit"
    )
    assert api.get(f"/api/v1/families/{family.pk}/conversations/").status_code == 404
