"""Shared by the audit tests: one family with every kind of record."""

from datetime import date

import pytest


@pytest.fixture
def records(cast, world):
    """One family with everything a record can have: a contact triaged onto its case (pathway 3,
    so a census record), the letter sent, a plan, a decision, a disagreement."""
    from disagreements.services import disagreement_raise_on_contact
    from pathways.models import Decision
    from pathways.services import plan_start
    from referrals.services import (
        SubjectDetails,
        TriageDetails,
        contact_feedback_send,
        contact_receive,
        contact_subject_link,
        contact_triage,
    )

    contact = contact_receive(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="Sadia Dhillon",
        concerns="Hungry",
        family_consents="yes",
        subjects=[
            SubjectDetails(
                role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9)
            )
        ],
    )
    subject = contact.subjects.get()
    contact_subject_link(subject=subject, person=world.north_child, by=cast.mash_manager)
    contact = contact_triage(
        contact=contact,
        by=cast.mash_manager,
        details=TriageDetails(outcome="pathway_3", rationale="r", feedback_text="f", primary_need="N1"),
    )
    contact_feedback_send(contact=contact, by=cast.mash_manager, method="online")
    plan_start(case=world.north_case, by=cast.fh_worker)
    disagreement = disagreement_raise_on_contact(contact=contact, by=cast.school_dsl, position="Worried")
    return {
        "case": world.north_case.pk,
        "person": world.north_child.pk,
        "family": world.north_case.family_id,
        "contact": contact.pk,
        "decision": Decision.objects.filter(case=world.north_case).first().pk,
        "disagreement": disagreement.pk,
        "subject": subject.pk,
    }
