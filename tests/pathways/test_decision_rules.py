"""Who may decide what (pathways/permissions.py) and what a decision must say (the
decision_*_errors rules in pathways/services.py), one rule at a time."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import Case
from pathways.choices import Outcome
from pathways.models import Decision
from pathways.permissions import (
    confirm_refusal,
    decider_refusal,
    decision_level,
    may_return,
    require_cp_decider,
)
from pathways.services import (
    STEP_DOWN_ONLY,
    DecisionDetails,
    decision_census_errors,
    decision_closure_errors,
    decision_details_check,
    decision_outcome_errors,
    decision_sharing_errors,
    decision_step_down_errors,
)
from tests.pathways.test_decisions import details


def at(pathway: int) -> Case:
    return Case(pathway=pathway)


# --- Who may decide what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pathway", "outcome", "level"),
    [
        (2, Outcome.PATHWAY_1, 2),  # stepping down is decided where the case is
        (2, Outcome.PATHWAY_3, 3),  # stepping up, where it goes
        (3, Outcome.PATHWAY_4, 4),
        (4, Outcome.PATHWAY_3, 4),  # out of pathway 4 is a child protection decision
        (3, Outcome.CLOSE, 3),  # closing is decided where the case is
        (1, Outcome.NFA, 1),
    ],
)
def test_a_decision_is_made_at_the_higher_of_where_the_case_is_and_where_it_goes(pathway, outcome, level):
    assert decision_level(at(pathway), outcome) == level


@pytest.mark.parametrize(
    ("role", "highest"),
    [("fh_worker", 2), ("social_worker", 3), ("mash_manager", 3), ("team_manager", 3), ("ecpp", 4)],
)
def test_each_role_decides_up_to_its_pathway_and_no_further(cast, role, highest):
    user = getattr(cast, role)
    for level in (1, 2, 3, 4):
        refusal = decider_refusal(user, at(level), Outcome.CLOSE)
        assert (refusal is None) == (level <= highest), (role, level, refusal)
    refusal = decider_refusal(user, at(3), Outcome.PATHWAY_4)
    if highest < 4:
        assert refusal == (
            "Only an expert child protection practitioner can decide at pathway 4: propose it instead."
        )


def test_a_partner_decides_nothing(cast):
    for level in (1, 2, 3, 4):
        assert decider_refusal(cast.school_dsl, at(level), Outcome.CLOSE) is not None


def test_nobody_confirms_their_own_proposal_even_when_entitled(cast):
    case = at(3)
    own = Decision(proposed_by=cast.ecpp, outcome=Outcome.PATHWAY_4)
    refusal = confirm_refusal(cast.ecpp, own, case)
    assert refusal is not None and refusal.code == "own_proposal"
    assert (
        confirm_refusal(cast.social_worker, Decision(proposed_by=cast.ecpp, outcome=Outcome.PATHWAY_1), case)
        is None
    )
    refusal = confirm_refusal(
        cast.social_worker, Decision(proposed_by=cast.fh_worker, outcome=Outcome.PATHWAY_4), case
    )
    assert refusal.code == "not_entitled"
    assert "propose it instead" not in refusal.message


def test_a_proposal_goes_back_by_its_proposer_or_someone_who_could_confirm_it(cast):
    case = at(3)
    proposal = Decision(proposed_by=cast.fh_worker, outcome=Outcome.PATHWAY_4)
    assert may_return(cast.fh_worker, proposal, case)  # withdrawing their own
    assert may_return(cast.ecpp, proposal, case)
    assert not may_return(cast.social_worker, proposal, case)


def test_only_an_ecpp_makes_the_child_protection_decisions(cast):
    require_cp_decider(cast.ecpp)
    for role in ("social_worker", "team_manager", "mash_manager", "fh_worker", "school_dsl"):
        with pytest.raises(ValidationError) as refused:
            require_cp_decider(getattr(cast, role))
        assert refused.value.code == "not_entitled"


# --- What a decision must say -----------------------------------------------------------------


def test_an_outcome_from_the_list_and_a_reason():
    assert decision_outcome_errors(DecisionDetails(outcome="pathway_9", rationale=" ")).keys() == {
        "outcome",
        "rationale",
    }
    assert decision_outcome_errors(details(Outcome.PATHWAY_2)) == {}


def test_the_named_ecpp_must_be_one(cast):
    assert "ecpp" in decision_outcome_errors(details(Outcome.PATHWAY_4, ecpp=cast.social_worker))
    assert "ecpp" not in decision_outcome_errors(details(Outcome.PATHWAY_4, ecpp=cast.ecpp))


def test_sharing_needs_the_familys_agreement_or_at_pathway_4_a_lawful_reason(cast):
    assert decision_sharing_errors(details(Outcome.PATHWAY_4)).keys() == {"lawful_basis"}
    assert decision_sharing_errors(details(Outcome.PATHWAY_4, lawful_basis="s47")) == {}
    assert decision_sharing_errors(details(Outcome.PATHWAY_4, family_consents_to_share=True)) == {}
    assert decision_sharing_errors(details(Outcome.PATHWAY_3, lawful_basis="s47")) == {
        "lawful_basis": "Sharing without consent is only for pathway 4 (risk of significant harm)."
    }
    school = cast.school_dsl.agency
    assert decision_sharing_errors(details(Outcome.PATHWAY_2, shared_with=(school,))).keys() == {
        "shared_with"
    }
    assert (
        decision_sharing_errors(
            details(Outcome.PATHWAY_2, shared_with=(school,), family_consents_to_share=True)
        )
        == {}
    )


@pytest.mark.parametrize(
    ("outcome", "reason", "says"),
    [
        (Outcome.CLOSE, "RC7", None),
        (Outcome.CLOSE, "", None),
        (Outcome.CLOSE, "ZZ", "Choose a closure reason from the list."),
        (Outcome.PATHWAY_2, "RC8", "Only a decision to close takes a closure reason."),
        (Outcome.EARLY_HELP, "RC9", None),
        (Outcome.EARLY_HELP, "RC7", "A referral to early help closes with RC9, not another reason."),
        (Outcome.EARLY_HELP, "ZZ", "A referral to early help closes with RC9, not another reason."),
        (Outcome.CLOSE, "RC9", "step-down"),
        (Outcome.PATHWAY_2, "RC9", "step-down"),
    ],
)
def test_closure_reasons(outcome, reason, says):
    errors = decision_closure_errors(details(outcome, closure_reason=reason))
    if says is None:
        assert errors == {}
    else:
        assert says in errors["closure_reason"]


def test_a_move_into_pathway_3_or_4_is_a_referral_with_its_census_codes():
    bare = DecisionDetails(outcome=Outcome.PATHWAY_3, rationale="why")
    assert decision_census_errors(at(2), bare).keys() == {"referral_source", "primary_need"}
    assert decision_census_errors(at(2), details(Outcome.PATHWAY_3)) == {}
    assert decision_census_errors(at(3), DecisionDetails(outcome=Outcome.PATHWAY_4, rationale="why")) == {}
    wrong = details(Outcome.PATHWAY_3, referral_source="9Z", primary_need="N99")
    assert decision_census_errors(at(2), wrong) == {
        "referral_source": "Choose a referral source from the census list.",
        "primary_need": "Choose a primary need code from the census list (N0-N9).",
    }


def test_from_social_care_down_to_early_help_is_the_step_down_route():
    assert decision_step_down_errors(at(3), details(Outcome.PATHWAY_2)) == {"outcome": STEP_DOWN_ONLY}
    assert decision_step_down_errors(at(4), details(Outcome.EARLY_HELP)) == {"outcome": STEP_DOWN_ONLY}
    assert decision_step_down_errors(at(3), details(Outcome.PATHWAY_2, step_down=True)) == {}
    assert decision_step_down_errors(at(2), details(Outcome.PATHWAY_1)) == {}


@pytest.mark.django_db
def test_the_check_gathers_every_rule_and_then_the_state_machine(world):
    case = world.north_case  # open at pathway 2
    with pytest.raises(ValidationError) as refused:
        decision_details_check(
            case, DecisionDetails(outcome=Outcome.PATHWAY_3, rationale="", lawful_basis="s47")
        )
    assert refused.value.message_dict.keys() == {
        "rationale",
        "lawful_basis",
        "referral_source",
        "primary_need",
    }
    decision_details_check(case, details(Outcome.PATHWAY_3))  # nothing missing: no error
