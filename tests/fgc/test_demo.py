"""The demo's family group conferences (demo/fgc.py): one pathway 3 family of social.worker's
through to its own plan in the case's plan, and one referral waiting in the service's queue."""

import pytest

from fgc.choices import FgcState
from fgc.models import FgcReferral
from fgc.selectors import service_queue

pytestmark = pytest.mark.django_db


def test_seed_fgc_makes_a_held_conference_and_a_waiting_referral(cast, world, service, south):
    from cases.choices import AllocationRole
    from cases.services import case_allocate
    from demo.fgc import seed_fgc
    from pathways.services import plan_start

    case_allocate(
        case=south.case, user=cast.social_worker, role=AllocationRole.KEY_WORKER, by=cast.team_manager
    )
    plan_start(case=world.north_case, by=cast.fh_worker)  # the second family, for the waiting referral
    users = {"social.worker": cast.social_worker, "fgc.coordinator": service.coordinator}
    teams = {service.team.name: service.team, cast.south.name: cast.south}

    made = seed_fgc(users, teams)

    held = made["held"]
    assert held.state == FgcState.PLAN_AGREED and held.case == south.case
    assert held.coordinator == service.coordinator and held.consent.family_group_conference
    assert held.conferences.get().family_private_time
    actions = held.plan_actions.all()
    assert actions.count() == 3
    assert {a.source for a in actions} == {"family_plan"} and {a.plan.case_id for a in actions} == {
        south.case.pk
    }
    waiting = list(service_queue(service.coordinator))
    assert waiting == [made["waiting"]] and waiting[0].case == world.north_case
    assert FgcReferral.objects.count() == 2
