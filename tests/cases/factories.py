from datetime import date

import factory

from cases.choices import PersonKind, Sex
from cases.models import Family, Person


class PersonFactory(factory.django.DjangoModelFactory):
    """A child, unless told otherwise. Names are synthetic."""

    class Meta:
        model = Person

    kind = PersonKind.CHILD
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = date(2016, 5, 17)
    sex = Sex.FEMALE
    created_by = factory.SubFactory("tests.accounts.factories.UserFactory")


class AdultFactory(PersonFactory):
    kind = PersonKind.ADULT
    date_of_birth = date(1988, 2, 3)


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Family {n}")
    created_by = factory.SubFactory("tests.accounts.factories.UserFactory")
