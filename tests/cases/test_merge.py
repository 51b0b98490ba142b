"""Merging duplicate people: a manager, a recorded reason, and every history row kept (the front door)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import Contribution, Conversation
from assessments.services import contribution_add, conversation_record
from cases import services
from cases.choices import ChronologyKind
from cases.models import ChronologyEntry, FamilyMember, Person, Relationship
from cases.selectors import PersonSearch, person_search
from referrals.services import SubjectDetails, contact_receive, contact_subject_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(cast, world):
    """A second record of Nia Northam, made in another household with its own history."""
    by = cast.mash_manager
    dup = services.person_create(
        by=by,
        kind="child",
        first_name="Nia",
        last_name="Northam",
        date_of_birth=date(2017, 3, 9),
        nhs_number="9434765919",
    )
    family = services.family_create(by=by, name="Nia's father's household")
    dad = services.person_create(by=by, kind="adult", first_name="Dan", last_name="Northam")
    services.family_member_add(family=family, person=dup, role="child", by=by)
    services.family_member_add(family=family, person=dad, role="parent_carer", by=by)
    services.relationship_record(
        family=family, person=dad, relative=dup, kind="father", by=by, has_parental_responsibility=True
    )
    services.chronology_entry_add(
        family=family,
        by=by,
        kind="note",
        summary="Nia stayed with dad this weekend",
        subject=dup,
        occurred_at=timezone.now() - timedelta(days=1),
    )
    contribution_add(
        family=family,
        by=by,
        section="voice_of_child",
        text="Nia says she likes her dad's flat",
        child=dup,
        gathered_by="direct_conversation",
    )
    conversation_record(
        family=family,
        by=by,
        kind="home_visit",
        occurred_at=timezone.now() - timedelta(days=2),
        discussed="Weekend contact",
        children_seen=[dup],
    )
    contact = contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Nia seems tired",
        family_consents="yes",
        subjects=[
            SubjectDetails(
                role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9)
            )
        ],
    )
    contact_subject_link(subject=contact.subjects.get(), person=dup, by=by)
    return dup


def test_a_merge_moves_the_links_and_keeps_every_history_row(cast, world, duplicate):
    keep = world.north_child
    entries_before = set(ChronologyEntry.objects.values_list("pk", "subject_id"))
    contributions_before = set(Contribution.objects.values_list("pk", "child_id"))
    dup_family = FamilyMember.objects.get(person=duplicate).family
    services.person_merge(
        duplicate=duplicate,
        keep=keep,
        reason="Same NHS number on the GP record; same school",
        by=cast.team_manager,
    )
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert duplicate.merged_into == keep and duplicate.merged_by == cast.team_manager
    assert keep.nhs_number == "9434765919" and duplicate.nhs_number == ""
    # Nothing lost: every chronology row and contribution is still there, pointing where it did.
    assert entries_before <= set(ChronologyEntry.objects.values_list("pk", "subject_id"))
    assert contributions_before == set(Contribution.objects.values_list("pk", "child_id"))
    # Links moved to the record kept.
    assert set(FamilyMember.objects.filter(person=keep).values_list("family_id", flat=True)) == {
        world.north_case.family_id,
        dup_family.pk,
    }
    assert not FamilyMember.objects.filter(person=duplicate).exists()
    assert Relationship.objects.get(family=dup_family).relative == keep
    assert Conversation.objects.get(family=dup_family).children_seen.get() == keep
    from referrals.models import ContactSubject

    assert ContactSubject.objects.get(first_name="Nia").person == keep
    # The merge is recorded in both records' chronologies, in both families.
    merged = ChronologyEntry.objects.filter(kind=ChronologyKind.RECORDS_MERGED)
    assert set(merged.values_list("family_id", "subject_id")) == {
        (family_id, person_id)
        for family_id in (world.north_case.family_id, dup_family.pk)
        for person_id in (keep.pk, duplicate.pk)
    }
    assert "Same NHS number" in merged.first().detail
    assert "Taken from the duplicate: NHS number." in merged.first().detail
    # The duplicate no longer turns up in searches.
    found = person_search(cast.mash_manager, PersonSearch(name="Nia Northam"))
    assert list(found) == [keep]


@pytest.mark.parametrize(
    "case",
    ["itself", "different_nhs", "adult", "no_reason", "already_merged", "stale"],
)
def test_merges_that_cannot_be_right_are_refused_and_change_nothing(cast, world, duplicate, case):
    keep, dup, reason, version = world.north_child, duplicate, "Checked with school", None
    if case == "itself":
        dup = keep
    elif case == "different_nhs":
        Person.objects.filter(pk=keep.pk).update(nhs_number="4010232137")
    elif case == "adult":
        dup = Person.objects.get(first_name="Dan")
    elif case == "no_reason":
        reason = "  "
    elif case == "already_merged":
        other = services.person_create(
            by=cast.mash_manager, kind="child", first_name="Nia", last_name="Northam"
        )
        services.person_merge(duplicate=other, keep=dup, reason="Same child", by=cast.team_manager)
        dup = other
    elif case == "stale":
        version = keep.version - 1
    keep.refresh_from_db()
    entries = ChronologyEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.person_merge(
            duplicate=dup, keep=keep, reason=reason, by=cast.team_manager, expected_version=version
        )
    assert refused.value.message_dict
    assert ChronologyEntry.objects.count() == entries
    assert Person.objects.filter(merged_into=keep).count() == 0


@pytest.mark.parametrize(
    "role",
    ["family_help_worker", "social_worker", "expert_cp_practitioner", "auditor", "partner_practitioner"],
)
def test_only_managers_merge(cast, world, duplicate, api_for, client_for, role):
    user = cast.by_role()[role]
    response = api_for(user).post(
        f"/api/v1/people/{world.north_child.pk}/merge/",
        {"duplicate_id": duplicate.pk, "reason": "Same child", "version": world.north_child.version},
        format="json",
    )
    page = client_for(user).post(
        reverse("cases:person-merge", args=[world.north_child.pk]),
        {
            "merge-record_number": duplicate.pk,
            "merge-reason": "Same child",
            "merge-version": world.north_child.version,
        },
    )
    sees_person = user.has_perm("cases.view_all_cases") or role == "family_help_worker"
    assert response.status_code == page.status_code == (403 if sees_person else 404)
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_a_manager_merges_from_the_person_page(cast, world, duplicate, client_for):
    client = client_for(cast.mash_manager)
    page = client.get(reverse("cases:person-detail", args=[world.north_child.pk])).content.decode()
    assert "Merge a duplicate record into this one" in page and f"P{duplicate.pk} Nia Northam" in page
    missing = client.post(
        reverse("cases:person-merge", args=[world.north_child.pk]),
        {"merge-candidate": duplicate.pk, "merge-reason": "", "merge-version": world.north_child.version},
    )
    assert (
        missing.status_code == 400 and "Say why these records are the same person" in missing.content.decode()
    )
    done = client.post(
        reverse("cases:person-merge", args=[world.north_child.pk]),
        {
            "merge-candidate": duplicate.pk,
            "merge-reason": "Same NHS number",
            "merge-version": world.north_child.version,
        },
    )
    assert done.status_code == 302
    followed = client.get(reverse("cases:person-detail", args=[duplicate.pk]), follow=True)
    assert followed.redirect_chain[-1][0] == reverse("cases:person-detail", args=[world.north_child.pk])
    assert "Same NHS number" in followed.content.decode()


def test_the_api_merges(cast, world, duplicate, api_for):
    api = api_for(cast.team_manager)
    bad = api.post(
        f"/api/v1/people/{world.north_child.pk}/merge/",
        {"duplicate_id": duplicate.pk, "reason": " ", "version": world.north_child.version},
        format="json",
    )
    assert bad.status_code == 400 and "reason" in bad.json()
    done = api.post(
        f"/api/v1/people/{world.north_child.pk}/merge/",
        {"duplicate_id": duplicate.pk, "reason": "Same NHS number", "version": world.north_child.version},
        format="json",
    )
    assert done.status_code == 200 and done.json()["nhs_number"] == "9434765919"
    assert api.get(f"/api/v1/people/{duplicate.pk}/").json()["merged_into"] == world.north_child.pk


def test_an_unborn_record_merged_with_the_born_child_becomes_the_childs_record(cast):
    unborn = services.person_create(
        by=cast.mash_manager,
        kind="unborn",
        last_name="Lane",
        expected_date_of_birth=timezone.localdate() + timedelta(days=10),
    )
    born = services.person_create(
        by=cast.mash_manager,
        kind="child",
        first_name="Rowan",
        last_name="Lane",
        date_of_birth=date(2026, 1, 12),
    )
    services.person_merge(duplicate=born, keep=unborn, reason="Baby born 12 January", by=cast.team_manager)
    unborn.refresh_from_db()
    assert unborn.kind == "child" and unborn.date_of_birth == date(2026, 1, 12)
    assert unborn.expected_date_of_birth is None and unborn.first_name == "Rowan"
