"""Counting children with a family group conference in a period (for a future return: the CIN
census specification read here has no such element)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fgc.selectors import children_with_fgc, children_with_fgc_count

pytestmark = pytest.mark.django_db


def test_children_are_counted_once_when_their_conference_was_held_in_the_period(south, conference_held):
    today = timezone.localdate()
    assert list(children_with_fgc(start=today - timedelta(days=30), end=today)) == [south.child]
    assert children_with_fgc_count(start=today - timedelta(days=30), end=today) == 1
    assert children_with_fgc_count(start=today + timedelta(days=1), end=today + timedelta(days=30)) == 0


def test_a_referral_without_a_conference_does_not_count(refer, accepted):
    today = timezone.localdate()
    assert children_with_fgc_count(start=today - timedelta(days=30), end=today) == 0
