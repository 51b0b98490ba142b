"""Matching quality on a synthetic set with known duplicates (issue: the front door)."""

import random
from datetime import date, timedelta

import pytest
from faker import Faker

from cases.choices import PersonKind
from cases.matching import MatchQuery, person_candidates
from cases.models import Person
from cases.services import person_address_add

pytestmark = pytest.mark.django_db

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.9


def _misspell(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    return (
        name[:i] + name[i + 1] + name[i] + name[i + 2 :] if rng.random() < 0.5 else name[:i] + name[i + 1 :]
    )


def test_known_duplicates_are_found_first(cast):
    rng = random.Random(7)
    fake = Faker("en_GB")
    fake.seed_instance(7)
    people = []
    for _ in range(400):
        born = date(2008, 1, 1) + timedelta(days=rng.randint(0, 5000))
        first = rng.choice(
            ["William", "Elizabeth", "James", "Margaret", fake.first_name(), fake.first_name()]
        )
        people.append(
            Person(
                kind=PersonKind.CHILD,
                first_name=first,
                last_name=fake.last_name(),
                date_of_birth=born,
                created_by=cast.mash_manager,
            )
        )
    Person.objects.bulk_create(people)
    sample = rng.sample(people, 60)
    for person in sample[:20]:
        person_address_add(person=person, by=cast.mash_manager, line_1="1 Road", postcode="NG7 2RD")

    variants = []
    for number, person in enumerate(sample):
        kind = number % 5
        first, last, born = person.first_name, person.last_name, person.date_of_birth
        if kind == 0:
            query = MatchQuery(
                first_name=_misspell(first, rng), last_name=_misspell(last, rng), date_of_birth=born
            )
        elif kind == 1:  # forename and surname the wrong way round
            query = MatchQuery(first_name=last, last_name=first, date_of_birth=born)
        elif kind == 2:  # a nickname, where the name has one
            nick = {"William": "Bill", "Elizabeth": "Liz", "James": "Jim", "Margaret": "Maggie"}.get(
                first, first
            )
            query = MatchQuery(first_name=nick, last_name=last, date_of_birth=born)
        elif kind == 3 and born.day <= 12 and born.day != born.month:  # day and month swapped
            query = MatchQuery(
                first_name=first, last_name=last, date_of_birth=date(born.year, born.day, born.month)
            )
        else:  # a near date of birth
            query = MatchQuery(
                first_name=first, last_name=_misspell(last, rng), date_of_birth=born + timedelta(days=1)
            )
        variants.append((person.pk, query))

    found = returned = 0
    for person_pk, query in variants:
        candidates = person_candidates(cast.mash_manager, query, limit=5)
        if candidates:
            returned += 1
            if candidates[0].person.pk == person_pk:
                found += 1
    precision = found / returned
    recall = found / len(variants)
    print(
        f"matching on {len(people)} people, {len(variants)} known duplicates: "
        f"precision@1 {precision:.2f}, recall@1 {recall:.2f}"
    )
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR


def test_reasons_are_given_and_the_nhs_number_wins(cast, world):
    child = world.north_child
    Person.objects.filter(pk=child.pk).update(nhs_number="9434765919")
    candidates = person_candidates(
        cast.mash_manager,
        MatchQuery(
            first_name="Nya",
            last_name="Northam",
            date_of_birth=date(2017, 9, 3),
            postcode="NG1 5DT",
            nhs_number="943 476 5919",
        ),
    )
    top = candidates[0]
    assert top.person == child
    assert {
        "Same NHS number",
        "Similar name",
        "Date of birth with day and month swapped",
        "Lives at the same postcode",
    } <= set(top.reasons)


def test_matching_only_offers_people_the_user_may_see(cast, world):
    query = MatchQuery(first_name="Sol", last_name="Southey", date_of_birth=date(2017, 3, 9))
    assert [c.person for c in person_candidates(cast.mash_manager, query)][:1] == [world.south_child]
    assert world.south_child not in [c.person for c in person_candidates(cast.school_dsl, query)]
    assert person_candidates(cast.mash_manager, MatchQuery()) == []
