"""config.models.lock_current: the one lock-and-check-version every versioned write starts with."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from config.models import lock_current, stale_message
from tests.cases.factories import PersonFactory


@pytest.mark.django_db
def test_the_version_read_must_still_be_current():
    person = PersonFactory()
    with transaction.atomic():
        assert lock_current(person, None).pk == person.pk  # no version given: nothing to compare
        assert lock_current(person, person.version).pk == person.pk
        assert lock_current(person, str(person.version)).pk == person.pk  # as a form posts it
        with pytest.raises(ValidationError) as stale:
            lock_current(person, person.version + 1)
        assert [error.code for error in stale.value.error_dict["version"]] == ["stale"]
        assert stale.value.message_dict == {"version": [stale_message("this person")]}
        with pytest.raises(ValidationError) as unnamed:
            lock_current(person, person.version + 1, what="this record", field=None)
        assert unnamed.value.messages == [stale_message("this record")]
        assert unnamed.value.code == "stale"
