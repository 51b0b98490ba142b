"""Domain rules for people, families and cases, exercised through the services."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases import services
from cases.choices import CASE_TRANSITIONS, AllocationRole, CaseState, ChronologyKind, PersonKind
from cases.models import Allocation, Case, ChronologyEntry
from cases.services import InvalidTransition
from cases.validators import upn_check_letter

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


class TestPeople:
    def test_a_born_child_cannot_have_a_future_date_of_birth(self, cast):
        with pytest.raises(ValidationError) as excinfo:
            services.person_create(
                by=cast.mash_manager,
                kind=PersonKind.CHILD,
                first_name="Ada",
                last_name="Lane",
                date_of_birth=timezone.localdate() + timedelta(days=1),
            )
        assert "past" in _errors(excinfo)["date_of_birth"][0]

    def test_a_child_with_no_name_is_refused_with_a_field_error(self, cast):
        with pytest.raises(ValidationError) as excinfo:
            services.person_create(by=cast.mash_manager, kind=PersonKind.CHILD)
        assert "first_name" in _errors(excinfo)

    def test_an_unborn_child_needs_an_expected_date_not_a_date_of_birth(self, cast):
        with pytest.raises(ValidationError) as excinfo:
            services.person_create(
                by=cast.mash_manager, kind=PersonKind.UNBORN, last_name="Lane", date_of_birth=date(2024, 1, 1)
            )
        assert {"date_of_birth", "expected_date_of_birth"} <= set(_errors(excinfo))
        baby = services.person_create(
            by=cast.mash_manager,
            kind=PersonKind.UNBORN,
            last_name="Lane",
            expected_date_of_birth=timezone.localdate() + timedelta(days=90),
        )
        assert baby.display_name == "Unborn baby Lane"

    def test_nhs_number_check_digit_and_uniqueness(self, cast):
        with pytest.raises(ValidationError) as excinfo:
            services.person_create(
                by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Ada", nhs_number="943 476 5918"
            )
        assert "NHS number" in _errors(excinfo)["nhs_number"][0]
        services.person_create(
            by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Ada", nhs_number="943 476 5919"
        )
        with pytest.raises(ValidationError) as excinfo:
            services.person_create(
                by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Bea", nhs_number="9434765919"
            )
        assert "nhs_number" in _errors(excinfo)

    def test_upn_check_letter(self, cast):
        body = "999123426001"
        good = upn_check_letter(body) + body
        person = services.person_create(
            by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Ada", upn=good.lower()
        )
        assert person.upn == good
        wrong = next(letter for letter in "ABCDEFGHJK" if letter != good[0]) + body
        with pytest.raises(ValidationError) as excinfo:
            services.person_create(by=cast.mash_manager, kind=PersonKind.CHILD, first_name="Bea", upn=wrong)
        assert "check letter" in _errors(excinfo)["upn"][0]

    def test_address_history_keeps_the_old_address(self, cast, world):
        child = world.north_child
        services.person_address_add(person=child, by=cast.fh_worker, line_1="9 New Road", postcode="ng75aa")
        addresses = list(child.addresses.order_by("pk"))
        assert [a.postcode for a in addresses] == ["NG1 5DT", "NG7 5AA"]
        assert addresses[0].moved_out is not None and addresses[1].moved_out is None

    def test_a_bad_postcode_is_a_field_error(self, cast, world):
        with pytest.raises(ValidationError) as excinfo:
            services.person_address_add(
                person=world.north_child, by=cast.fh_worker, line_1="1 Road", postcode="NOTAPOSTCODE"
            )
        assert "postcode" in _errors(excinfo)

    def test_only_an_adult_holds_parental_responsibility(self, cast, world):
        family = world.north_case.family
        parent = family.memberships.get(role="parent_carer").person
        child = world.north_child
        with pytest.raises(ValidationError):
            services.relationship_record(
                family=family,
                person=child,
                relative=parent,
                kind="other",
                has_parental_responsibility=True,
                by=cast.fh_worker,
            )
        relationship = services.relationship_record(
            family=family,
            person=parent,
            relative=child,
            kind="mother",
            has_parental_responsibility=True,
            by=cast.fh_worker,
        )
        assert relationship.has_parental_responsibility


class TestCases:
    def test_opening_a_case_writes_the_chronology(self, world):
        entry = ChronologyEntry.objects.get(case=world.south_case, kind=ChronologyKind.CASE_OPENED)
        assert "pathway 2. family help" in entry.summary.lower()  # 3 came after, by a decision
        assert entry.author.username == "mash.manager"

    def test_a_family_has_one_open_case_at_a_time(self, cast, world):
        with pytest.raises(ValidationError) as excinfo:
            services.case_open(
                family=world.north_case.family, team=cast.north, pathway=1, by=cast.mash_manager
            )
        assert world.north_case.reference in _errors(excinfo)["family"][0]

    def test_a_case_is_held_by_a_childrens_services_team(self, cast, world):
        from tests.accounts.factories import TeamFactory

        partner_team = TeamFactory(agency=cast.school)
        services.case_close(case=world.south_case, reason="RC7", by=cast.team_manager)
        with pytest.raises(ValidationError) as excinfo:
            services.case_open(
                family=world.south_case.family, team=partner_team, pathway=2, by=cast.mash_manager
            )
        assert "team" in _errors(excinfo)

    def test_reallocating_the_key_worker_ends_the_old_allocation_and_says_so(self, cast, world):
        case = world.north_case
        services.case_allocate(
            case=case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager
        )
        case.refresh_from_db()
        assert case.key_worker == cast.social_worker
        old = Allocation.objects.get(case=case, user=cast.fh_worker)
        assert old.ended_at is not None
        latest = ChronologyEntry.objects.filter(case=case, kind=ChronologyKind.CASE_ALLOCATED).first()
        assert "replacing Femi Harper" in latest.summary

    def test_the_ecpp_role_is_for_expert_practitioners_only(self, cast, world):
        with pytest.raises(ValidationError) as excinfo:
            services.case_allocate(
                case=world.north_case, user=cast.social_worker, role=AllocationRole.ECPP, by=cast.team_manager
            )
        assert "expert child protection" in _errors(excinfo)["user"][0]
        services.case_allocate(
            case=world.north_case, user=cast.ecpp, role=AllocationRole.ECPP, by=cast.team_manager
        )
        world.north_case.refresh_from_db()
        assert world.north_case.ecpp == cast.ecpp

    def test_at_pathway_4_a_family_help_worker_cannot_be_key_worker(self, cast):
        from pathways.choices import Outcome
        from pathways.services import DecisionDetails, decision_record
        from tests.cases.factories import FamilyFactory

        family = FamilyFactory(created_by=cast.mash_manager)
        case = services.case_open(family=family, team=cast.north, pathway=2, by=cast.mash_manager)
        decision_record(
            case=case,
            by=cast.ecpp,
            details=DecisionDetails(
                outcome=Outcome.PATHWAY_4,
                rationale="Risk of significant harm",
                lawful_basis="Children Act 1989 s47",
                referral_source="6",
                primary_need="N1",
            ),
        )
        case.refresh_from_db()
        with pytest.raises(ValidationError) as excinfo:
            services.case_allocate(
                case=case, user=cast.fh_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager
            )
        assert "co-worker" in _errors(excinfo)["user"][0]
        services.case_allocate(
            case=case, user=cast.fh_worker, role=AllocationRole.CO_WORKER, by=cast.team_manager
        )

    def test_partners_are_involved_not_allocated(self, cast, world):
        with pytest.raises(ValidationError):
            services.case_allocate(
                case=world.north_case,
                user=cast.school_dsl,
                role=AllocationRole.CO_WORKER,
                by=cast.team_manager,
            )

    def test_a_stale_edit_is_refused_and_nothing_is_saved(self, cast, world):
        case = world.north_case
        seen = case.version
        services.case_allocate(
            case=case, user=cast.ecpp, role=AllocationRole.ECPP, by=cast.team_manager, expected_version=seen
        )
        entries = ChronologyEntry.objects.count()
        with pytest.raises(ValidationError) as excinfo:
            services.case_close(case=case, reason="RC7", by=cast.team_manager, expected_version=seen)
        assert "Someone else changed this case" in _errors(excinfo)["version"][0]
        case.refresh_from_db()
        assert case.state == CaseState.OPEN
        assert ChronologyEntry.objects.count() == entries

    def test_closing_follows_the_state_machine(self, cast, world):
        assert CASE_TRANSITIONS[CaseState.CLOSED] == set()
        case = services.case_close(
            case=world.north_case, reason="RC8", by=cast.team_manager, note="Needs met"
        )
        assert case.state == CaseState.CLOSED and case.closure_reason == "RC8"
        assert not Allocation.objects.filter(case=case, ended_at__isnull=True).exists()
        closed = ChronologyEntry.objects.get(case=case, kind=ChronologyKind.CASE_CLOSED)
        assert "RC8" in closed.summary and closed.detail == "Needs met"
        with pytest.raises(InvalidTransition):
            services.case_close(case=case, reason="RC8", by=cast.team_manager)
        with pytest.raises(ValidationError):
            services.case_allocate(case=case, user=cast.social_worker, role="co_worker", by=cast.team_manager)
        # A closed family can start a new episode.
        again = services.case_open(family=case.family, team=cast.north, pathway=1, by=cast.mash_manager)
        assert again.pk != case.pk

    def test_an_unknown_closure_reason_is_refused(self, cast, world):
        with pytest.raises(ValidationError) as excinfo:
            services.case_close(case=world.north_case, reason="RC99", by=cast.team_manager)
        assert "reason" in _errors(excinfo)


class TestChronology:
    def test_practitioners_cannot_write_system_entries(self, cast, world):
        with pytest.raises(ValidationError) as excinfo:
            services.chronology_entry_add(
                family=world.north_case.family,
                by=cast.fh_worker,
                kind=ChronologyKind.CASE_CLOSED,
                occurred_at=timezone.now(),
                summary="Closed",
            )
        assert "kind" in _errors(excinfo)

    def test_future_events_and_strangers_are_refused(self, cast, world):
        with pytest.raises(ValidationError) as excinfo:
            services.chronology_entry_add(
                family=world.north_case.family,
                by=cast.fh_worker,
                kind="note",
                occurred_at=timezone.now() + timedelta(days=1),
                summary="",
                subject=world.south_child,
            )
        assert {"occurred_at", "summary", "subject"} <= set(_errors(excinfo))

    def test_entry_records_author_and_agency(self, cast, world):
        entry = services.chronology_entry_add(
            family=world.north_case.family,
            case=world.north_case,
            by=cast.fh_worker,
            kind="home_visit",
            occurred_at=timezone.now() - timedelta(hours=2),
            summary="Home visit",
            subject=world.north_child,
        )
        assert entry.author == cast.fh_worker and entry.author_agency == cast.la


@pytest.mark.django_db(transaction=True)
def test_two_managers_closing_at_once_cannot_both_win(cast, world):
    """Row lock + version check: exactly one of two simultaneous closes succeeds."""
    case = world.north_case
    results = []
    barrier = threading.Barrier(2)

    def close(reason):
        barrier.wait()
        try:
            services.case_close(
                case=Case.objects.get(pk=case.pk),
                reason=reason,
                by=cast.team_manager,
                expected_version=case.version,
            )
            results.append("closed")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(reason,)) for reason in ("RC7", "RC8")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["closed", "refused"]
    assert ChronologyEntry.objects.filter(case=case, kind=ChronologyKind.CASE_CLOSED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_submitted_involvement_is_one_row_and_a_clear_error(cast, world):
    """Two requests at once: the unique index decides, and the loser gets a field error."""
    family = world.north_case.family
    outcomes = []
    barrier = threading.Barrier(2)

    def involve():
        barrier.wait()
        try:
            services.involvement_add(
                family=family, user=cast.school_dsl, role_description="DSL", by=cast.team_manager
            )
            outcomes.append("added")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["user"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=involve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("added") == 1
    assert any("already involved" in outcome for outcome in outcomes)
    assert family.involvements.filter(user=cast.school_dsl).count() == 1
