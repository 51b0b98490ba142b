"""The rules receiving a request for support applies, one at a time (issue: the front door)."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.choices import AgencyKind
from assessments.models import ThresholdIndicator
from referrals.choices import Channel, FamilyConsent, SubjectRole, Urgency
from referrals.models import Contact, ContactSubject
from referrals.services import (
    SubjectDetails,
    contact_consent_errors,
    contact_postcode_errors,
    contact_receive,
    contact_reference_format,
    contact_referrer_agency,
    contact_request_errors,
    contact_subjects_errors,
    contact_submitter,
    contact_urgency_errors,
    idempotency_key_scope,
    referrer_reply_errors,
    subject_is_filled_in,
    urgency_raise,
)
from tests.accounts.factories import AgencyFactory

TODAY = date(2025, 6, 1)
NIA = SubjectDetails(role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9))


# --- the retry key ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_retry_key_is_scoped_to_its_sender(cast):
    dsl = idempotency_key_scope(key="abc", by=cast.school_dsl)
    assert dsl == f"{cast.school_dsl.pk}:abc"
    assert idempotency_key_scope(key="abc", by=cast.fh_worker) != dsl
    assert idempotency_key_scope(key="abc", by=None) == "public:abc"


@pytest.mark.django_db
def test_a_scoped_retry_key_fits_its_column(cast):
    scoped = idempotency_key_scope(key="k" * 200, by=cast.school_dsl)
    assert len(scoped) == 100 and scoped.startswith(f"{cast.school_dsl.pk}:kkk")


@pytest.mark.parametrize("key", [None, ""])
def test_no_retry_key_stays_no_retry_key(key):
    assert idempotency_key_scope(key=key, by=None) == key


# --- who the request is about ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "counts"),
    [
        (SubjectDetails(role="child"), False),
        (SubjectDetails(role="adult", first_name="  ", relationship="mum"), False),
        (SubjectDetails(role="unborn"), True),
        (SubjectDetails(role="child", last_name="Lane"), True),
        (SubjectDetails(role="child", date_of_birth=date(2017, 3, 9)), True),
        (SubjectDetails(role="adult", expected_date_of_birth=date(2025, 9, 1)), True),
    ],
)
def test_a_blank_row_does_not_count_but_an_unborn_child_always_does(subject, counts):
    assert subject_is_filled_in(subject=subject) is counts


def test_a_request_about_a_named_child_has_no_subject_errors():
    assert contact_subjects_errors(people=[NIA], today=TODAY) == {}


@pytest.mark.parametrize(
    "people",
    [[], [SubjectDetails(role="adult", first_name="Pat", last_name="Northam")]],
)
def test_a_request_must_be_about_at_least_one_child(people):
    assert contact_subjects_errors(people=people, today=TODAY) == {
        "subjects": "Tell us about at least one child."
    }


def test_an_unborn_child_counts_as_the_child_and_needs_a_family_name_and_due_date():
    errors = contact_subjects_errors(people=[SubjectDetails(role="unborn")], today=TODAY)
    assert errors == {
        "subjects.1.last_name": "Give the family name the baby is expected to have.",
        "subjects.1.expected_date_of_birth": "Give the baby's due date.",
    }


def test_each_persons_errors_are_keyed_by_their_place_in_the_list():
    future = SubjectDetails(role="adult", first_name="Pat", date_of_birth=date(2025, 6, 2))
    errors = contact_subjects_errors(people=[NIA, future], today=TODAY)
    assert errors == {
        "subjects.2.date_of_birth": (
            "A date of birth must be today or in the past (for an unborn baby, give the due date)."
        )
    }


def test_a_person_needs_a_known_role_a_name_and_a_ten_digit_nhs_number():
    odd = SubjectDetails(role="cousin", date_of_birth=date(2017, 3, 9), nhs_number="123 456 789")
    errors = contact_subjects_errors(people=[NIA, odd], today=TODAY)
    assert set(errors) == {"subjects.2.role", "subjects.2.first_name", "subjects.2.nhs_number"}
    assert errors["subjects.2.nhs_number"] == "An NHS number has 10 digits."


def test_an_nhs_number_may_be_written_with_spaces_or_dashes():
    spaced = SubjectDetails(role="child", first_name="Nia", nhs_number="943-476 5919")
    assert contact_subjects_errors(people=[spaced], today=TODAY) == {}


# --- what the referrer sent ---------------------------------------------------------------------


def test_a_complete_request_has_no_request_errors():
    assert (
        contact_request_errors(channel=Channel.PROFESSIONAL, referrer_name="Sadia", concerns="Hungry") == {}
    )


def test_a_request_needs_a_known_channel_a_name_and_the_concerns():
    assert contact_request_errors(channel="fax", referrer_name=" ", concerns="\n") == {
        "channel": "Unknown channel.",
        "referrer_name": "Tell us your name, so we can tell you what happens next.",
        "concerns": "Tell us, in your own words, what help is needed and why.",
    }


@pytest.mark.parametrize(
    ("consents", "notes"),
    [
        (FamilyConsent.YES, ""),
        (FamilyConsent.NO, ""),
        (FamilyConsent.NOT_ASKED, "Asking would put Nia at risk"),
    ],
)
def test_the_familys_answer_with_a_reason_when_not_asked_is_enough(consents, notes):
    assert contact_consent_errors(family_consents=consents, consent_notes=notes) == {}


def test_a_request_says_whether_the_family_agrees():
    assert contact_consent_errors(family_consents="maybe", consent_notes="") == {
        "family_consents": "Say whether the family agrees to this request."
    }


def test_a_family_not_asked_needs_the_reason_why():
    assert contact_consent_errors(family_consents=FamilyConsent.NOT_ASKED, consent_notes="  ") == {
        "consent_notes": "Say why the family has not been asked (for example, it would put a child at risk)."
    }


@pytest.mark.parametrize("urgency", Urgency.values)
def test_an_urgency_from_the_list_is_accepted(urgency):
    assert contact_urgency_errors(urgency=urgency) == {}


def test_an_urgency_not_on_the_list_is_refused():
    assert contact_urgency_errors(urgency="soon") == {"urgency": "Choose how urgent this is."}


@pytest.mark.parametrize("postcode", ["", "   ", "NG1 5DT", "ng15dt"])
def test_a_postcode_may_be_left_out_or_given_in_any_spacing(postcode):
    assert contact_postcode_errors(postcode=postcode) == {}


def test_a_postcode_given_must_be_a_full_uk_postcode():
    assert contact_postcode_errors(postcode="NG1") == {"postcode": "Enter a full UK postcode, like NG1 5DT."}


@pytest.mark.django_db
def test_we_need_an_email_or_a_phone_number_unless_the_sender_is_signed_in(cast):
    missing = {"referrer_email": "Give an email address or a phone number so we can reply."}
    assert referrer_reply_errors(referrer_email=" ", referrer_phone=" ", by=None) == missing
    assert referrer_reply_errors(referrer_email="a@b.invalid", referrer_phone="", by=None) == {}
    assert referrer_reply_errors(referrer_email="", referrer_phone="0115 000 0000", by=None) == {}
    assert referrer_reply_errors(referrer_email="", referrer_phone="", by=cast.school_dsl) == {}


# --- what the contact records -------------------------------------------------------------------


@pytest.mark.parametrize("chosen", [Urgency.ROUTINE, Urgency.URGENT])
def test_an_immediate_referral_indicator_makes_the_contact_immediate(chosen):
    indicators = [ThresholdIndicator(code="a"), ThresholdIndicator(code="b", immediate_referral=True)]
    assert urgency_raise(urgency=chosen, indicators=indicators) == Urgency.IMMEDIATE


@pytest.mark.parametrize("chosen", Urgency.values)
def test_without_an_immediate_referral_indicator_the_chosen_urgency_stands(chosen):
    assert urgency_raise(urgency=chosen, indicators=[ThresholdIndicator(code="a")]) == chosen
    assert urgency_raise(urgency=chosen, indicators=[]) == chosen


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.PROFESSIONAL, Channel.FAMILY, Channel.API])
def test_a_signed_in_sender_submitted_the_request_themselves(channel, cast):
    assert contact_submitter(channel=channel, by=cast.school_dsl) == cast.school_dsl
    assert contact_submitter(channel=channel, by=None) is None


@pytest.mark.django_db
def test_staff_recording_a_phone_call_did_not_submit_it(cast):
    assert contact_submitter(channel=Channel.PHONE, by=cast.mash_manager) is None


@pytest.mark.django_db
def test_the_referrers_agency_is_the_one_named_else_the_submitters_own(cast):
    police = AgencyFactory(name="Test police", kind=AgencyKind.POLICE)
    assert contact_referrer_agency(referrer_agency=police, submitter=cast.school_dsl) == police
    assert contact_referrer_agency(referrer_agency=None, submitter=cast.school_dsl) == cast.school
    assert contact_referrer_agency(referrer_agency=None, submitter=None) is None


def test_a_contacts_reference_is_r_the_year_and_its_six_digit_number():
    received = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    assert contact_reference_format(received=received, pk=42) == "R25-000042"
    assert contact_reference_format(received=received, pk=1234567) == "R25-1234567"


# --- the rules together, through contact_receive --------------------------------------------------


@pytest.mark.django_db
def test_every_rule_broken_at_once_is_reported_together_in_form_order(cast):
    with pytest.raises(ValidationError) as excinfo:
        contact_receive(
            channel="fax",
            referrer_name="",
            concerns="",
            family_consents="maybe",
            urgency="soon",
            subjects=[SubjectDetails(role="adult", first_name="Pat")],
            postcode="nonsense",
        )
    assert list(excinfo.value.message_dict) == [
        "channel",
        "referrer_name",
        "concerns",
        "family_consents",
        "urgency",
        "subjects",
        "postcode",
        "referrer_email",
    ]
    assert not Contact.objects.exists()


@pytest.mark.django_db
def test_blank_rows_are_dropped_before_people_are_numbered_and_recorded(cast):
    bad = SubjectDetails(role="child", first_name="Nia", nhs_number="12")
    with pytest.raises(ValidationError) as excinfo:
        contact_receive(
            by=cast.school_dsl,
            channel=Channel.PROFESSIONAL,
            referrer_name="Sadia Dhillon",
            concerns="Nia often arrives hungry",
            family_consents=FamilyConsent.YES,
            subjects=[SubjectDetails(role="child", relationship="sister"), bad],
        )
    assert list(excinfo.value.message_dict) == ["subjects.1.nhs_number"]
    contact = contact_receive(
        by=cast.school_dsl,
        channel=Channel.PROFESSIONAL,
        referrer_name="Sadia Dhillon",
        concerns="Nia often arrives hungry",
        family_consents=FamilyConsent.YES,
        subjects=[SubjectDetails(role="child", relationship="sister"), NIA],
        postcode="ng15dt",
    )
    assert [s.first_name for s in ContactSubject.objects.filter(contact=contact)] == ["Nia"]
    assert contact.postcode == "NG1 5DT"


@pytest.mark.django_db
def test_a_phone_call_recorded_by_staff_names_no_submitter_and_no_agency_of_theirs(cast):
    contact = contact_receive(
        by=cast.mash_manager,
        channel=Channel.PHONE,
        referrer_name="A neighbour",
        referrer_phone="0115 000 0000",
        concerns="Shouting every night",
        family_consents=FamilyConsent.NOT_ASKED,
        consent_notes="Anonymous caller",
        subjects=[SubjectDetails(role=SubjectRole.CHILD, first_name="Nia")],
    )
    assert contact.submitted_by is None and contact.recorded_by == cast.mash_manager
    assert contact.referrer_agency is None
