"""Issue 16's journeys, in headless Chromium with axe on every page shown: a proposal to pathway 4
waits in the named ECPP's tray and leaves it when they confirm."""

import pytest
from django.urls import reverse

from tests.axe import assert_accessible
from tests.test_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pathway_4_proposal_is_in_the_named_ecpp_s_tray_until_they_confirm_it(
    journey, live_server, cast, world
):
    from escalation.choices import TaskKind
    from escalation.selectors import tray

    cast.ecpp.first_name, cast.ecpp.last_name = "Esme", "Cole"
    cast.ecpp.save()
    case = world.north_case

    ecpp = signed_in(journey, live_server.url, "ecpp")
    assert ecpp.locator("#tray").get_by_text("Nothing is waiting on you").count() == 1

    worker = signed_in(journey, live_server.url, "social.worker")
    worker.goto(live_server.url + reverse("pathways:decision", args=[case.pk]))
    assert_accessible(worker)
    worker.get_by_label("Pathway 4: support to prevent significant harm").check()
    worker.get_by_label("Why", exact=True).fill("Bruising seen by school; Nia is frightened to go home")
    worker.get_by_label("Lawful reason to share without consent (pathway 4 only)").fill(
        "Children Act 1989 s47: risk of significant harm"
    )
    worker.get_by_label("Referral source (census), when first moving into pathway 3 or 4").select_option("2A")
    worker.get_by_label("Primary need (census)").select_option("N1")
    worker.get_by_label("Expert child protection practitioner (pathway 4)").select_option(label="Esme Cole")
    worker.get_by_role("button", name="Propose for confirmation").click()
    worker.get_by_text("Decision proposed for confirmation").wait_for()
    assert_accessible(worker)
    # Nothing waits on the proposer: the decision is the ECPP's to make.
    worker.goto(live_server.url + reverse("escalation:tray"))
    assert_accessible(worker)
    assert case.reference not in worker.locator("main").inner_text()

    # The ECPP's home page now starts with the decision, with why it is there, linking to it.
    ecpp.reload()
    assert_accessible(ecpp)
    task = ecpp.locator("#tray").get_by_role("row").filter(has_text=case.reference)
    assert task.count() == 1
    waiting = task.inner_text()
    assert "confirm" in waiting.lower(), waiting
    task.get_by_role("link").first.click()
    ecpp.get_by_role("button", name="Confirm this decision").wait_for()
    assert_accessible(ecpp)
    ecpp.get_by_role("button", name="Confirm this decision").click()
    ecpp.get_by_text("Decision confirmed").wait_for()
    assert_accessible(ecpp)

    # Gone from the tray the moment the work is done, on the home page and the tray page alike.
    ecpp.goto(live_server.url + reverse("home"))
    assert_accessible(ecpp)
    rows = ecpp.locator("#tray").get_by_role("row").filter(has_text=case.reference)
    # What waits on them now is the next step (the conference to hold), not the decision.
    assert waiting not in rows.all_inner_texts()
    assert not any("confirm" in row.lower() for row in rows.all_inner_texts()), rows.all_inner_texts()
    ecpp.goto(live_server.url + reverse("escalation:tray"))
    assert_accessible(ecpp)
    assert waiting.split("\t")[0] not in ecpp.locator("main").inner_text()
    assert not tray(cast.ecpp).filter(kind=TaskKind.DECISION_CONFIRM).exists()
    case.refresh_from_db()
    assert case.pathway == 4
