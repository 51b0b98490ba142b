"""Decision points and the pathway state machine (issue: the heart; DOMAIN.md "Who decides")."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from assessments.choices import Section
from assessments.models import ThresholdIndicator
from assessments.services import contribution_add
from cases.choices import ChronologyKind
from cases.models import Allocation, ChronologyEntry
from pathways.choices import DecisionState, Outcome
from pathways.models import Decision, PathwayTransition, ReferralPackage
from pathways.services import (
    DecisionDetails,
    decision_confirm,
    decision_propose,
    decision_record,
    decision_return,
)

pytestmark = pytest.mark.django_db


def details(outcome, **extra):
    """A decision; moving into pathway 3 or 4 carries the census referral codes by default."""
    if outcome in (Outcome.PATHWAY_3, Outcome.PATHWAY_4):
        extra.setdefault("referral_source", "2A")
        extra.setdefault("primary_need", "N1")
    return DecisionDetails(
        outcome=outcome, rationale=extra.pop("rationale", "Needs and strengths weighed"), **extra
    )


def test_one_family_one_assessment_through_every_pathway_and_closed(cast, world, thresholds):
    """1 -> 2 -> 3 -> 4 -> 3 -> 1 -> closed on one assessment, with history and chronology. (Down
    to pathway 2 from 3 is a step-down, with consent and approval: stepdown/tests.)"""
    case = world.north_case  # opened at pathway 2 with fh.worker as key worker
    family = case.family
    contribution_add(
        family=family, by=cast.fh_worker, section=Section.WORRIED_ABOUT, text="Nia is often hungry at school"
    )
    decision_record(case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_1))
    decision_record(
        case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_2, family_consents_to_share=True)
    )
    proposal = decision_propose(case=case, by=cast.fh_worker, details=details(Outcome.PATHWAY_3))
    decision_confirm(decision=proposal, by=cast.social_worker)
    decision_record(
        case=case,
        by=cast.ecpp,
        details=details(Outcome.PATHWAY_4, lawful_basis="Children Act 1989 s47: risk of harm"),
    )
    decision_record(case=case, by=cast.ecpp, details=details(Outcome.PATHWAY_3))
    decision_record(case=case, by=cast.social_worker, details=details(Outcome.PATHWAY_1))
    decision_record(case=case, by=cast.fh_worker, details=details(Outcome.CLOSE, closure_reason="RC7"))

    case.refresh_from_db()
    assert case.state == "closed" and case.closure_reason == "RC7"
    moves = list(PathwayTransition.objects.filter(case=case).values_list("from_pathway", "to_pathway"))
    assert moves == [(2, 1), (1, 2), (2, 3), (3, 4), (4, 3), (3, 1), (1, None)]
    assert Decision.objects.filter(case=case, assessment=family.assessment).count() == 7
    assert ChronologyEntry.objects.filter(case=case, kind=ChronologyKind.PATHWAY_CHANGED).count() == 6
    # The key worker never changed (no handover); an ECPP came alongside at pathway 4.
    assert Allocation.objects.filter(case=case, role="key_worker", user=cast.fh_worker).count() == 1
    assert Allocation.objects.filter(case=case, role="ecpp", user=cast.ecpp).exists()
    # Every pathway decision created the next version of the referral package.
    assert list(
        ReferralPackage.objects.filter(family=family).order_by("version").values_list("to_pathway", flat=True)
    ) == [1, 2, 3, 4, 3, 1]


def test_family_help_worker_decides_at_1_and_2_but_only_proposes_3(cast, world):
    with pytest.raises(ValidationError) as excinfo:
        decision_record(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_3))
    assert "propose" in excinfo.value.message_dict["outcome"][0]
    assert not Decision.objects.filter(case=world.north_case).exists()


def test_only_an_ecpp_moves_a_case_to_pathway_4(cast, world):
    for who in (cast.social_worker, cast.team_manager, cast.mash_manager):
        with pytest.raises(ValidationError) as excinfo:
            decision_record(
                case=world.north_case, by=who, details=details(Outcome.PATHWAY_4, lawful_basis="s47")
            )
        assert "expert child protection practitioner" in excinfo.value.message_dict["outcome"][0]
    proposal = decision_propose(
        case=world.north_case, by=cast.social_worker, details=details(Outcome.PATHWAY_4, lawful_basis="s47")
    )
    with pytest.raises(ValidationError):
        decision_confirm(decision=proposal, by=cast.team_manager)
    decision_confirm(decision=proposal, by=cast.ecpp)
    world.north_case.refresh_from_db()
    assert world.north_case.pathway == 4 and world.north_case.ecpp == cast.ecpp
    assert world.north_case.key_worker == cast.fh_worker  # stays: no handover


def test_a_proposal_cannot_be_confirmed_by_its_proposer(cast, world):
    proposal = decision_propose(
        case=world.north_case, by=cast.social_worker, details=details(Outcome.PATHWAY_3)
    )
    with pytest.raises(ValidationError, match="someone else must confirm"):
        decision_confirm(decision=proposal, by=cast.social_worker)
    proposal.refresh_from_db()
    assert proposal.state == DecisionState.PROPOSED


def test_a_decision_needs_a_rationale(cast, world):
    with pytest.raises(ValidationError) as excinfo:
        decision_record(
            case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_1, rationale="  ")
        )
    assert "rationale" in excinfo.value.message_dict


def test_pathway_4_without_consent_needs_a_lawful_reason(cast, world):
    with pytest.raises(ValidationError) as excinfo:
        decision_record(case=world.north_case, by=cast.ecpp, details=details(Outcome.PATHWAY_4))
    assert "lawful reason" in excinfo.value.message_dict["lawful_basis"][0]
    with pytest.raises(ValidationError) as excinfo:
        decision_record(
            case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_1, lawful_basis="x")
        )
    assert "only for pathway 4" in excinfo.value.message_dict["lawful_basis"][0]


def test_a_closed_case_cannot_move(cast, world):
    decision_record(case=world.north_case, by=cast.fh_worker, details=details(Outcome.NFA))
    world.north_case.refresh_from_db()
    assert world.north_case.closure_reason == "RC8"
    with pytest.raises(ValidationError, match="closed"):
        decision_record(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_2))


def test_returning_a_proposal_records_why(cast, world):
    proposal = decision_propose(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_3))
    with pytest.raises(ValidationError):
        decision_return(decision=proposal, by=cast.social_worker, reason="")
    decision_return(decision=proposal, by=cast.social_worker, reason="Speak to school first")
    proposal.refresh_from_db()
    assert proposal.state == DecisionState.RETURNED and proposal.returned_reason == "Speak to school first"
    with pytest.raises(ValidationError, match="already returned"):
        decision_confirm(decision=proposal, by=cast.social_worker)


def test_recorded_decisions_are_final_in_the_database(cast, world):
    decision = decision_record(case=world.north_case, by=cast.fh_worker, details=details(Outcome.PATHWAY_1))
    with pytest.raises(DatabaseError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(rationale="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        ReferralPackage.objects.filter(decision=decision).update(version=99)


def test_the_referral_package_is_a_frozen_snapshot_of_the_assessment(cast, world, thresholds):
    indicator = ThresholdIndicator.objects.get(code="early_help.health.1")
    contribution_add(
        family=world.north_case.family,
        by=cast.school_dsl,
        section=Section.HEALTH,
        text="Misses health appointments",
        child=world.north_child,
        indicators=[indicator],
    )
    decision = decision_record(
        case=world.north_case,
        by=cast.fh_worker,
        details=details(
            Outcome.PATHWAY_2,
            family_consents_to_share=True,
            shared_with=(cast.school,),
            indicators=(indicator,),
        ),
    )
    package = decision.referral_package
    assert package.snapshot["assessment"]["Health"][0]["text"] == "Misses health appointments"
    assert package.snapshot["assessment"]["Health"][0]["agency"] == "Test Primary School"
    assert package.snapshot["decision"]["shared_with"] == ["Test Primary School"]
    assert package.snapshot["decision"]["statutory_requirement"] == "Early help assessment"
    contribution_add(
        family=world.north_case.family, by=cast.fh_worker, section=Section.HEALTH, text="Later news"
    )
    package.refresh_from_db()
    assert len(package.snapshot["assessment"]["Health"]) == 1  # frozen


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_decisions_one_wins_the_other_is_told(cast, world):
    case = world.north_case
    seen = case.version
    results = []
    barrier = threading.Barrier(2)

    def decide(outcome):
        barrier.wait()
        try:
            decision_record(case=case, by=cast.social_worker, details=details(outcome), expected_version=seen)
            results.append("recorded")
        except ValidationError as exc:
            results.append(exc.message_dict.get("version", ["?"])[0])
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(outcome,)) for outcome in (Outcome.PATHWAY_1, Outcome.PATHWAY_3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("recorded") == 1
    assert any("Someone else changed this case" in result for result in results)
    assert Decision.objects.filter(case=case).count() == 1
