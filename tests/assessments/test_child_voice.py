"""The child's own words and wishes: how they were gathered, and shown first on the assessment and
the case page (issue 18, part 4)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments.choices import GatheredBy, Section
from assessments.models import Contribution
from assessments.services import assessment_of, contribution_add, conversation_record
from cases.panels import case_page

pytestmark = pytest.mark.django_db

JAN = datetime(2026, 1, 10, 10, tzinfo=UTC)


def words(family, by, child, text, gathered_by=GatheredBy.THREE_HOUSES, **extra) -> Contribution:
    return contribution_add(
        family=family,
        by=by,
        section=Section.VOICE_OF_CHILD,
        text=text,
        child=child,
        gathered_by=gathered_by,
        **extra,
    )


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, "gathered_by"),
        ({"gathered_by": "telepathy"}, "gathered_by"),
        ({"gathered_by": GatheredBy.NOT_RECORDED}, "gathered_by"),  # only for what came before
        ({"gathered_by": GatheredBy.ADVOCATE, "child": None}, "child"),
    ],
)
def test_the_childs_voice_says_how_it_was_gathered_and_whose_it_is(extra, field, cast, world):
    values = {"child": world.north_child, **extra}
    with pytest.raises(ValidationError) as excinfo:
        contribution_add(
            family=world.north_case.family,
            by=cast.fh_worker,
            section=Section.VOICE_OF_CHILD,
            text="x",
            **values,
        )
    assert field in excinfo.value.message_dict


def test_every_way_of_gathering_is_accepted_and_the_database_insists_on_one(cast, world):
    family = world.north_case.family
    for value in GatheredBy.values:
        if value != GatheredBy.NOT_RECORDED:
            assert words(family, cast.fh_worker, world.north_child, "x", value).gathered_by == value
    assessment = assessment_of(family)
    for row in ({"section": Section.VOICE_OF_CHILD}, {"section": Section.HEALTH, "gathered_by": "advocate"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contribution.objects.create(
                assessment=assessment, text="x", author=cast.fh_worker, child=world.north_child, **row
            )


def test_the_form_asks_how_the_words_were_gathered_and_keeps_what_was_typed(cast, world, client_for):
    family = world.north_case.family
    client = client_for(cast.fh_worker)
    url = reverse("assessments:contribution-add", args=[family.pk])
    typed = {
        "contribution-section": "voice_of_child",
        "contribution-child": str(world.north_child.pk),
        "contribution-text": "I want to live with mum",
    }
    missing = client.post(url, typed)
    page = missing.content.decode()
    assert missing.status_code == 400 and "Say how the child&#x27;s words were gathered." in page
    assert "I want to live with mum" in page
    wrong_section = client.post(
        url,
        {"contribution-section": "health", "contribution-text": "x", "contribution-gathered_by": "advocate"},
    )
    assert (
        wrong_section.status_code == 400
        and "Only the voice of the child says how" in wrong_section.content.decode()
    )
    assert client.post(url, {**typed, "contribution-gathered_by": "wizards_and_fairies"}).status_code == 302
    assert Contribution.objects.get().gathered_by == "wizards_and_fairies"


def test_the_conversation_form_asks_how_the_words_were_gathered(cast, world, client_for):
    family = world.north_case.family
    client = client_for(cast.fh_worker)
    url = reverse("assessments:conversation-add", args=[family.pk])
    when = timezone.localtime() - timedelta(hours=2)
    typed = {
        "conversation-kind": "home_visit",
        "conversation-occurred_at": when.strftime("%Y-%m-%dT%H:%M"),
        "conversation-discussed": "Breakfasts",
        "conversation-section": "voice_of_child",
        "conversation-contribution_child": str(world.north_child.pk),
        "conversation-contribution": "Nia drew her family",
    }
    missing = client.post(url, typed)
    page = missing.content.decode()
    assert missing.status_code == 400, page
    field = page[page.index("How were the child&#x27;s words gathered?</legend>") :][:600]
    assert "Say how the child&#x27;s words were gathered." in field  # on the field, not only on top
    assert (
        client.post(url, {**typed, "conversation-contribution_gathered_by": "drawing_or_play"}).status_code
        == 302
    )
    assert Contribution.objects.get().gathered_by == "drawing_or_play"


def test_the_api_takes_and_gives_how_the_words_were_gathered(cast, world, api_for):
    api = api_for(cast.fh_worker)
    url = f"/api/v1/families/{world.north_case.family_id}/assessment/contributions/"
    body = {"section": "voice_of_child", "text": "Mum is nice", "child_id": world.north_child.pk}
    missing = api.post(url, body, format="json")
    assert missing.status_code == 400 and list(missing.json()) == ["gathered_by"]
    legacy = api.post(url, {**body, "gathered_by": "not_recorded"}, format="json")
    assert legacy.status_code == 400 and list(legacy.json()) == ["gathered_by"]
    made = api.post(url, {**body, "gathered_by": "letter_or_message"}, format="json")
    assert made.status_code == 201
    assert made.json()["gathered_by"] == "letter_or_message" and made.json()["scaled_by"] == ""
    assert made.json()["child"] == {"id": world.north_child.pk, "name": "Nia Northam"}
    conversations = f"/api/v1/families/{world.north_case.family_id}/conversations/"
    visit = {
        "kind": "home_visit",
        "occurred_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "discussed": "School",
        "contributions": [
            {"section": "voice_of_child", "text": "I like maths", "child_id": world.north_child.pk}
        ],
    }
    refused = api.post(conversations, visit, format="json")
    assert refused.status_code == 400 and "contributions.1.gathered_by" in refused.json()
    visit["contributions"][0]["gathered_by"] = "direct_conversation"
    assert api.post(conversations, visit, format="json").status_code == 201


def _family_with_two_voices(cast, world):
    family = world.north_case.family
    with time_machine.travel(JAN, tick=False):
        words(family, cast.fh_worker, world.north_child, "Older words from Nia")
    with time_machine.travel(JAN + timedelta(days=30), tick=False):
        words(
            family,
            cast.social_worker,
            world.north_child,
            "Newest words from Nia",
            GatheredBy.WIZARDS_AND_FAIRIES,
        )
    contribution_add(family=family, by=cast.fh_worker, section=Section.HEALTH, text="Health note")
    contribution_add(
        family=family, by=cast.fh_worker, section=Section.WORKING_WELL, text="Grandma helps at weekends"
    )
    return family


def test_the_childs_voice_comes_first_on_the_assessment_page(cast, world, client_for):
    family = _family_with_two_voices(cast, world)
    seen_alone = timezone.now() - timedelta(days=3)
    conversation_record(
        family=family,
        by=cast.fh_worker,
        kind="home_visit",
        occurred_at=seen_alone,
        discussed="x",
        children_seen=[world.north_child],
        children_seen_alone=[world.north_child],
    )
    page = (
        client_for(cast.team_manager)
        .get(reverse("assessments:assessment", args=[family.pk]))
        .content.decode()
    )
    voice = page.index('id="child-voice"')
    assert voice < page.index("Child Development</h2>") < page.index("Signs of Safety")
    assert voice < page.index("Health note") and voice < page.index("Grandma helps at weekends")
    section = page[voice : page.index("</section>", voice)]
    assert section.index("Newest words from Nia") < section.index("Older words from Nia")  # latest first
    assert "wizards and fairies" in section and "Sam Walker" in section
    assert f"Last seen alone {timezone.localtime(seen_alone):%-d %B %Y}" in section
    # The voice is not shown a second time among the other sections.
    assert page.count("Newest words from Nia") == 1


def test_the_childs_voice_is_the_first_panel_on_the_case_page(cast, world, client_for):
    family = _family_with_two_voices(cast, world)
    assert case_page._entries[0][1] == "assessments/_case_child_voice.html"
    page = (
        client_for(cast.fh_worker)
        .get(reverse("cases:case-detail", args=[world.north_case.pk]))
        .content.decode()
    )
    voice = page.index('id="child-voice"')
    assert voice < page.index('id="family-members"')
    for panel in ('id="step-down-status"',):
        if panel in page:
            assert voice < page.index(panel)
    section = page[voice : page.index("</section>", voice)]
    assert "Newest words from Nia" in section and "Older words from Nia" not in section
    assert "Gathered through: wizards and fairies" in section and "recorded by Sam Walker" in section
    assert reverse("assessments:assessment", args=[family.pk]) + "#child-voice" in section


def test_a_child_with_no_words_yet_is_named_so(cast, world, client_for):
    client = client_for(cast.fh_worker)
    page = client.get(reverse("assessments:assessment", args=[world.north_case.family_id])).content.decode()
    section = page[page.index('id="child-voice"') :]
    assert "No words from Nia recorded yet." in section and "Not yet seen alone" in section
    case = client.get(reverse("cases:case-detail", args=[world.north_case.pk])).content.decode()
    assert "Nothing from the children in their own words yet." in case[case.index('id="child-voice"') :]


def test_a_partner_reads_only_their_own_agencys_record_of_the_childs_voice(cast, world, client_for):
    family = world.school_case.family
    child = family.memberships.get(person__kind="child").person
    words(family, cast.fh_worker, child, "Told the family help worker")
    words(family, cast.school_dsl, child, "Told the school", GatheredBy.DRAWING_OR_PLAY)
    client = client_for(cast.school_dsl)
    assessment = client.get(reverse("assessments:assessment", args=[family.pk])).content.decode()
    assert "Told the school" in assessment and "Told the family help worker" not in assessment
    case = client.get(reverse("cases:case-detail", args=[world.school_case.pk]))
    if case.status_code == 200:
        page = case.content.decode()
        assert "Told the school" in page and "Told the family help worker" not in page
    whole = (
        client_for(cast.team_manager)
        .get(reverse("cases:case-detail", args=[world.school_case.pk]))
        .content.decode()
    )
    assert "Told the school" in whole and "Told the family help worker" not in whole  # the latest only
    full = (
        client_for(cast.team_manager)
        .get(reverse("assessments:assessment", args=[family.pk]))
        .content.decode()
    )
    assert "Told the school" in full and "Told the family help worker" in full
    assert (
        client_for(cast.school_dsl).get(reverse("cases:case-detail", args=[world.north_case.pk])).status_code
        == 404
    )


def test_the_voice_of_a_merged_duplicate_reads_as_the_child_kept(cast, world, client_for):
    from cases.choices import FamilyRole, PersonKind
    from cases.services import family_member_add, person_create, person_merge

    family = world.north_case.family
    duplicate = person_create(
        by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Nia", last_name="Northam"
    )
    family_member_add(family=family, person=duplicate, role=FamilyRole.CHILD, by=cast.mash_manager)
    words(family, cast.fh_worker, duplicate, "Said to the duplicate record")
    person_merge(duplicate=duplicate, keep=world.north_child, reason="Same NHS number", by=cast.team_manager)
    page = (
        client_for(cast.fh_worker).get(reverse("assessments:assessment", args=[family.pk])).content.decode()
    )
    section = page[page.index('id="child-voice"') : page.index("</section>", page.index('id="child-voice"'))]
    assert section.count('class="app-child-voice__child"') == 1
    assert re.search(r"Nia Northam</h3>\s*<blockquote[^>]*>Said to the duplicate record", section)
