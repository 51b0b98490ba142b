"""Triage outcomes through decision points, and what follows for the contact (the front door)."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.models import Contribution
from cases.choices import AllocationRole, CaseState, ChronologyKind
from cases.models import Allocation, Case, ChronologyEntry, Family, FamilyMember
from disagreements.models import Disagreement
from disagreements.services import disagreement_raise_on_contact
from pathways.choices import DecisionState
from pathways.models import Decision, PathwayTransition
from pathways.services import decision_confirm, decision_return
from referrals.models import ContactEvent
from referrals.services import (
    SubjectDetails,
    TriageDetails,
    contact_feedback_send,
    contact_receive,
    contact_subject_link,
    contact_triage,
)

pytestmark = pytest.mark.django_db


def new_contact(by, *, subjects=None, link_to=None, **extra):
    values = {
        "channel": "professional",
        "referrer_name": "Sadia Dhillon",
        "concerns": "Ola often arrives hungry and tired",
        "family_consents": "yes",
        "referrer_email": "dsl@school.invalid",
        "subjects": subjects
        or [
            SubjectDetails(role="child", first_name="Ola", last_name="Okafor", date_of_birth=date(2016, 5, 2))
        ],
    }
    values.update(extra)
    contact = contact_receive(by=by, **values)
    return contact


def link_all(contact, by, people=None):
    people = people or {}
    for subject in contact.subjects.all():
        contact_subject_link(subject=subject, person=people.get(subject.first_name), by=by)
    contact.refresh_from_db()
    return contact


def details(outcome="pathway_2", **extra):
    values = {
        "outcome": outcome,
        "rationale": "Needs are unmet at home but the family wants help",
        "feedback_text": "The family would like help and agreed to it, so we will offer family help.",
    }
    values.update(extra)
    return TriageDetails(**values)


def triage(contact, by, **extra):
    return contact_triage(contact=contact, by=by, details=details(**extra))


def test_pathway_2_for_a_new_family_opens_a_case_and_moves_it_through_a_decision(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    contact = triage(contact, cast.mash_manager, team=cast.north)
    assert contact.state == "triaged" and contact.outcome == "pathway_2"
    case = contact.case
    assert case.pathway == 2 and case.team == cast.north and case.state == CaseState.OPEN
    assert list(
        FamilyMember.objects.filter(family=case.family).values_list("person__first_name", flat=True)
    ) == ["Ola"]
    assert case.family.name == "Okafor family"
    decision = contact.decision
    assert decision.state == DecisionState.RECORDED and decision.decided_by == cast.mash_manager
    assert decision.from_pathway == 1 and decision.consulted.startswith(
        f"Request for support {contact.reference}"
    )
    assert PathwayTransition.objects.get(case=case).to_pathway == 2
    # What the referrer told us joined the family's assessment, so it travels with the family.
    contribution = Contribution.objects.get(assessment__family=case.family)
    assert "arrives hungry" in contribution.text and contact.reference in contribution.text
    kinds = set(ChronologyEntry.objects.filter(family=case.family).values_list("kind", flat=True))
    assert {
        ChronologyKind.CASE_OPENED,
        ChronologyKind.CONTACT_TRIAGED,
        ChronologyKind.DECISION_RECORDED,
    } <= kinds
    assert ContactEvent.objects.filter(contact=contact, summary__startswith="Triaged").exists()


def test_a_contact_about_a_child_with_an_open_case_uses_that_case(cast, world):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager, {"Ola": world.north_child})
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, outcome="pathway_3")
    assert "primary_need" in refused.value.message_dict  # a referral into pathway 3: census codes
    contact = triage(contact, cast.mash_manager, outcome="pathway_3", primary_need="N1")
    assert (
        contact.case == world.north_case and Case.objects.filter(family=world.north_case.family).count() == 1
    )
    world.north_case.refresh_from_db()
    assert world.north_case.pathway == 3
    assert contact.decision.referral_source == "2A"  # worked out from the school that referred


def test_pathway_1_records_the_advice_given(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, outcome="pathway_1", team=cast.north)
    assert "advice" in refused.value.message_dict
    contact = triage(
        contact, cast.mash_manager, outcome="pathway_1", team=cast.north, advice="Holiday food club details"
    )
    assert contact.case.pathway == 1 and contact.advice == "Holiday food club details"
    entry = ChronologyEntry.objects.get(family=contact.family, kind=ChronologyKind.CONTACT_TRIAGED)
    assert entry.detail == "Holiday food club details"


@pytest.mark.parametrize("outcome", ["nfa", "signpost"])
def test_nfa_and_signpost_close_nothing_and_open_nothing(cast, world, outcome):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager, {"Ola": world.north_child})
    contact = triage(contact, cast.mash_manager, outcome=outcome, advice="Family hub drop-in")
    world.north_case.refresh_from_db()
    assert world.north_case.state == CaseState.OPEN and world.north_case.pathway == 2  # support carries on
    assert contact.case == world.north_case and contact.decision is None
    fresh = link_all(new_contact(cast.school_dsl, idempotency_key=f"k-{outcome}"), cast.mash_manager)
    families_before = Family.objects.count()
    fresh = triage(fresh, cast.mash_manager, outcome=outcome, advice="Family hub drop-in")
    assert fresh.family is None and fresh.case is None and Family.objects.count() == families_before


def test_signposting_needs_where_to(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, outcome="signpost")
    assert refused.value.message_dict["advice"] == ["Record where the family was signposted."]


def test_pathway_4_goes_to_the_named_ecpp_who_confirms_it(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, outcome="pathway_4", team=cast.north, primary_need="N1")
    assert "ecpp" in refused.value.message_dict
    contact = triage(
        contact, cast.mash_manager, outcome="pathway_4", team=cast.north, primary_need="N1", ecpp=cast.ecpp
    )
    assert contact.state == "awaiting_ecpp" and contact.decision.state == DecisionState.PROPOSED
    assert contact.case.pathway == 1  # nothing moves until the ECPP decides
    with pytest.raises(ValidationError, match="Wait for the expert"):
        contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    decision_confirm(decision=contact.decision, by=cast.ecpp)
    contact.refresh_from_db()
    assert contact.state == "triaged" and contact.case.pathway == 4
    assert Allocation.objects.filter(case=contact.case, user=cast.ecpp, role=AllocationRole.ECPP).exists()
    assert ContactEvent.objects.filter(contact=contact, summary__startswith="Pathway 4 confirmed").exists()


def test_a_returned_pathway_4_proposal_puts_the_contact_back_in_the_queue(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    contact = triage(
        contact, cast.mash_manager, outcome="pathway_4", team=cast.north, primary_need="N1", ecpp=cast.ecpp
    )
    decision_return(decision=contact.decision, by=cast.ecpp, reason="Needs a pathway 3 assessment first")
    contact.refresh_from_db()
    assert contact.state == "received"
    contact = triage(contact, cast.mash_manager, outcome="pathway_3", primary_need="N1")
    assert contact.state == "triaged" and contact.case.pathway == 3
    assert Decision.objects.filter(case=contact.case).count() == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"rationale": " "}, "rationale"),
        ({"feedback_text": ""}, "feedback_text"),
        ({"outcome": "close"}, "outcome"),
        ({}, "team"),  # a new case needs a team to hold it
    ],
)
def test_bad_triage_is_refused_with_the_field_named_and_nothing_saved(cast, extra, field):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    families = Family.objects.count()
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, **extra)
    assert field in refused.value.message_dict
    contact.refresh_from_db()
    assert contact.state == "received" and Family.objects.count() == families


def test_triage_needs_everyone_linked_first(cast):
    contact = new_contact(cast.school_dsl)
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, team=cast.north)
    assert "subjects" in refused.value.message_dict


def test_a_contact_is_triaged_once_and_a_stale_form_is_refused(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    version = contact.version
    triage(contact, cast.mash_manager, team=cast.north)
    with pytest.raises(ValidationError, match="already triaged"):
        triage(contact, cast.mash_manager, team=cast.north)
    with pytest.raises(ValidationError) as stale:
        contact_triage(
            contact=contact, by=cast.mash_manager, details=details(team=cast.north), expected_version=version
        )
    assert "version" in stale.value.message_dict


def test_people_in_two_families_must_be_placed_in_one(cast, world):
    from cases.services import family_create, family_member_add

    other = family_create(by=cast.mash_manager, name="Grandparents' household")
    family_member_add(family=other, person=world.north_child, role="child", by=cast.mash_manager)
    open_case_family = world.north_case.family
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager, {"Ola": world.north_child})
    contact = triage(contact, cast.mash_manager, outcome="nfa")
    # The family with an open case is chosen without asking when only one family has one...
    assert contact.family == open_case_family
    # ...but when two families have open cases, the triager chooses.
    from cases.services import case_open

    case_open(family=other, team=cast.south, pathway=2, by=cast.mash_manager)
    again = link_all(
        new_contact(cast.school_dsl, idempotency_key="two"), cast.mash_manager, {"Ola": world.north_child}
    )
    with pytest.raises(ValidationError) as refused:
        triage(again, cast.mash_manager, outcome="nfa")
    assert "family" in refused.value.message_dict
    again = triage(again, cast.mash_manager, outcome="nfa", family=other)
    assert again.family == other


def test_only_an_ecpp_can_be_named_for_pathway_4(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    with pytest.raises(ValidationError) as refused:
        triage(
            contact,
            cast.mash_manager,
            outcome="pathway_4",
            team=cast.north,
            primary_need="N1",
            ecpp=cast.social_worker,
        )
    assert "ecpp" in refused.value.message_dict


# --- feedback and disagreement --------------------------------------------------------------


def triaged(cast, **extra):
    contact = link_all(new_contact(cast.school_dsl, **extra), cast.mash_manager)
    return triage(contact, cast.mash_manager, team=cast.north)


def test_feedback_online_reaches_the_referrers_inbox_once(cast):
    from escalation.models import Notification

    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    with pytest.raises(ValidationError, match="Triage the contact first"):
        contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    contact = triage(contact, cast.mash_manager, team=cast.north)
    contact = contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    assert contact.feedback_sent and not contact.feedback_late
    note = Notification.objects.get(user=cast.school_dsl)
    assert note.url == f"/front-door/{contact.pk}/letter/" and contact.reference in note.what
    with pytest.raises(ValidationError, match="already sent"):
        contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    assert (
        ContactEvent.objects.filter(contact=contact, summary__startswith="Outcome letter sent").count() == 1
    )


def test_feedback_by_email_names_nobody_and_gives_no_reasons(cast):
    contact = triaged(cast)
    contact = contact_feedback_send(contact=contact, by=cast.mash_manager, method="email")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dsl@school.invalid"]
    body = mail.outbox[0].body
    assert contact.reference in mail.outbox[0].subject and "Ola" not in body
    assert contact.feedback_text not in body and f"/front-door/{contact.pk}/letter/" in body


def test_feedback_methods_that_cannot_reach_the_referrer_are_refused(cast):
    family = contact_receive(
        channel="family",
        referrer_name="Grace Okafor",
        referrer_phone="07700 900000",
        concerns="We need help with mornings",
        family_consents="yes",
        subjects=[SubjectDetails(role="child", first_name="Ola", last_name="Okafor")],
    )
    family = triage(link_all(family, cast.mash_manager), cast.mash_manager, team=cast.north)
    for method in ("online", "email"):  # no account, no email address
        with pytest.raises(ValidationError) as refused:
            contact_feedback_send(contact=family, by=cast.mash_manager, method=method)
        assert "method" in refused.value.message_dict
    assert contact_feedback_send(contact=family, by=cast.mash_manager, method="phone").feedback_sent


def test_a_failed_email_is_not_recorded_as_sent(cast, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    contact = triaged(cast)
    with pytest.raises(ValidationError, match="could not be sent"):
        contact_feedback_send(contact=contact, by=cast.mash_manager, method="email")
    contact.refresh_from_db()
    assert not contact.feedback_sent


def test_late_feedback_needs_a_reason_and_is_marked_late(cast):
    from escalation.models import Clock

    contact = triaged(cast)
    overdue = timezone.now() - timedelta(hours=1)
    Clock.objects.filter(object_id=contact.pk, kind="feedback_to_referrer").update(
        started_at=overdue - timedelta(days=3), due_at=overdue
    )
    with pytest.raises(ValidationError) as refused:
        contact_feedback_send(contact=contact, by=cast.mash_manager, method="phone")
    assert "late_reason" in refused.value.message_dict
    contact = contact_feedback_send(
        contact=contact, by=cast.mash_manager, method="phone", late_reason="Referrer on leave"
    )
    assert contact.feedback_late
    clock = Clock.objects.get(object_id=contact.pk, kind="feedback_to_referrer")
    assert clock.state == "met" and clock.late_reason == "Referrer on leave"
    assert ContactEvent.objects.filter(contact=contact, summary__contains="after the 72-hour target").exists()


def test_a_referrer_disagreement_is_recorded_on_the_contact_and_in_the_chronology(cast):
    contact = triaged(cast)
    contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    with pytest.raises(ValidationError) as refused:
        disagreement_raise_on_contact(contact=contact, by=cast.school_dsl, position=" ")
    assert "position" in refused.value.message_dict
    disagreement = disagreement_raise_on_contact(
        contact=contact, by=cast.school_dsl, position="Ola has told staff she is scared to go home"
    )
    assert disagreement.state == "open" and disagreement.stage == 1
    assert disagreement.raised_by_agency == cast.school and disagreement.decision == contact.decision
    assert ContactEvent.objects.filter(contact=contact, summary__contains=disagreement.reference).exists()
    assert ChronologyEntry.objects.filter(
        family=contact.family, kind=ChronologyKind.DISAGREEMENT_RAISED
    ).exists()
    with pytest.raises(ValidationError, match="already open"):
        disagreement_raise_on_contact(contact=contact, by=cast.school_dsl, position="Still worried")


def test_the_front_door_records_a_disagreement_for_a_referrer_without_an_account(cast):
    contact = triaged(cast)
    with pytest.raises(ValidationError) as refused:
        disagreement_raise_on_contact(contact=contact, by=cast.mash_manager, position="Caller disagrees")
    assert "raised_for" in refused.value.message_dict
    disagreement = disagreement_raise_on_contact(
        contact=contact, by=cast.mash_manager, position="Caller disagrees", raised_for="Dr Ade, GP"
    )
    assert (
        Disagreement.objects.get().raised_for == "Dr Ade, GP" and disagreement.raised_by == cast.mash_manager
    )


def test_no_disagreement_before_there_is_a_decision(cast):
    contact = new_contact(cast.school_dsl)
    with pytest.raises(ValidationError, match="no decision"):
        disagreement_raise_on_contact(contact=contact, by=cast.school_dsl, position="Too slow")


def test_the_front_door_keeps_listening_for_settled_decisions():
    """The receiver is a module-level function: a closure would be garbage-collected (weak ref)."""
    import gc

    from pathways.signals import decision_settled

    gc.collect()
    assert decision_settled.has_listeners(Decision)


def test_the_front_door_does_not_step_an_open_case_down(cast, world):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager, {"Ola": world.south_child})
    with pytest.raises(ValidationError) as refused:
        triage(contact, cast.mash_manager, outcome="pathway_2")
    assert "does not step support down" in refused.value.message_dict["outcome"][0]
    world.south_case.refresh_from_db()
    assert world.south_case.pathway == 3
    assert triage(contact, cast.mash_manager, outcome="nfa").case == world.south_case


def test_after_a_returned_pathway_4_the_contact_is_clean_and_nfa_closes_the_empty_case(cast):
    contact = link_all(new_contact(cast.school_dsl), cast.mash_manager)
    contact = triage(
        contact, cast.mash_manager, outcome="pathway_4", team=cast.north, primary_need="N1", ecpp=cast.ecpp
    )
    case = contact.case
    decision_return(decision=contact.decision, by=cast.ecpp, reason="Not a child protection matter")
    contact.refresh_from_db()
    assert contact.outcome == "" and contact.rationale == "" and contact.triaged_by is None
    contact = triage(contact, cast.mash_manager, outcome="nfa")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and contact.decision.outcome == "nfa"
    assert Contribution.objects.filter(assessment__family=case.family).count() == 1  # added once
