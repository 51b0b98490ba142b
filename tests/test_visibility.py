"""What a user may see of each kind of record, asked one way: Model.objects.restrict(user)
(config/visibility.py), answered by the one rule each app declares in its permissions.py."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from assessments.choices import Section
from assessments.models import Contribution
from assessments.services import contribution_add
from cases.models import Case, ChronologyEntry, Family, Person
from cases.permissions import cases_visible_to
from config.visibility import RULES, RestrictedQuerySet, rule_for
from escalation.models import Clock

RESTRICTED = {
    "assessments.Contribution",
    "assessments.Conversation",
    "cases.Case",
    "cases.ChronologyEntry",
    "cases.Family",
    "cases.Person",
    "cases.Restriction",
    "disagreements.Disagreement",
    "fgc.FgcReferral",
    "pathways.Decision",
    "pathways.ReferralPackage",
    "pathways.Supervision",
    "referrals.Contact",
    "stepdown.Consent",
    "stepdown.StepDown",
}


def test_every_restricted_model_has_exactly_one_rule_and_the_manager_that_applies_it():
    with_manager = {
        model._meta.label
        for model in apps.get_models()
        if isinstance(model.objects.all(), RestrictedQuerySet)
    }
    assert with_manager == RESTRICTED
    assert set(RULES) == RESTRICTED
    for label in RESTRICTED:
        rule = rule_for(apps.get_model(label))
        assert rule.__module__.endswith(".permissions"), (label, rule.__module__)


def test_a_model_without_a_rule_says_where_to_declare_one():
    with pytest.raises(ImproperlyConfigured, match=r"@visibility_rule in its app's permissions\.py"):
        rule_for(Clock)


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(RESTRICTED))
def test_restrict_answers_as_the_rule_for_every_role(cast, world, label):
    model = apps.get_model(label)
    for role, user in cast.by_role().items():
        expected = set(rule_for(model)(user).values_list("pk", flat=True))
        assert set(model.objects.restrict(user).values_list("pk", flat=True)) == expected, role


@pytest.mark.django_db
def test_a_partner_sees_only_the_family_they_work_with(cast, world):
    partner = cast.school_dsl
    assert set(Case.objects.restrict(partner)) == {world.school_case}
    assert set(Family.objects.restrict(partner)) == {world.school_case.family}
    assert world.north_child not in Person.objects.restrict(partner)
    assert not ChronologyEntry.objects.filter(family=world.north_case.family).restrict(partner).exists()
    assert ChronologyEntry.objects.filter(family=world.school_case.family).restrict(partner).exists()
    # A family help worker sees their team's and their own cases, not the other team's.
    assert world.south_case not in Case.objects.restrict(cast.fh_worker)
    assert world.north_case in Case.objects.restrict(cast.fh_worker)


@pytest.mark.django_db
def test_restrict_narrows_any_queryset_and_keeps_its_order(cast, world):
    worker = cast.social_worker
    ordered = Case.objects.filter(pathway__gte=2).order_by("-pk").restrict(worker)
    assert list(ordered) == list(cases_visible_to(worker).filter(pathway__gte=2).order_by("-pk"))
    assert Case.objects.filter(pk=world.north_case.pk).restrict(cast.fh_worker_south).count() == 0


@pytest.mark.django_db
def test_a_partner_reads_only_their_own_agencys_contributions(cast, world):
    family = world.school_case.family
    theirs = contribution_add(
        family=family, by=cast.school_dsl, section=Section.WORRIED_ABOUT, text="Late often"
    )
    ours = contribution_add(
        family=family, by=cast.social_worker, section=Section.WORRIED_ABOUT, text="Seen at home"
    )
    assert set(Contribution.objects.restrict(cast.school_dsl)) == {theirs}
    assert {theirs, ours} <= set(Contribution.objects.restrict(cast.social_worker))
