"""Every API operation, generated from the published schema by Schemathesis, as an administrator
and as a social worker: no answer is a server error, and every answer matches the schema (issue 15, 2).

Bounded for CI: a fixed number of examples per operation, derandomized (the same examples on every
run), each request rolled back so that one example never depends on another."""

from datetime import date

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.services import api_token_create
from referrals.services import SubjectDetails
from referrals.services import contact_receive as receive_contact

EXAMPLES_PER_OPERATION = 8

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes the database connection after each request, as it should in
    production; here the connection holds the test's transaction, so it stays open (as Django's
    own test client arranges)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Path parameters point at records that exist (and sometimes at one that does not), so that the
# answers checked against the schema are records, not only 404s.
MODEL_OF = {
    "case": "cases.Case",
    "cases": "cases.Case",
    "family": "cases.Family",
    "families": "cases.Family",
    "people": "cases.Person",
    "involvement": "cases.Involvement",
    "contact": "referrals.Contact",
    "contacts": "referrals.Contact",
    "subject": "referrals.ContactSubject",
    "decisions": "pathways.Decision",
    "cp_plan": "pathways.CpPlan",
    "action": "pathways.PlanAction",
    "clocks": "escalation.Clock",
    "notifications": "escalation.Notification",
    "step-downs": "stepdown.StepDown",
    "consents": "stepdown.Consent",
    "disagreements": "disagreements.Disagreement",
    "restrictions": "cases.Restriction",
    "tokens": "accounts.ApiToken",
}
EXISTING: dict[str, list[int]] = {}


def _model_for(path: str, name: str) -> str | None:
    if name.endswith("_pk"):
        return MODEL_OF.get(name.removesuffix("_pk"))
    parts = path.split("/")
    at = parts.index("{" + name + "}") if "{" + name + "}" in parts else 0
    return MODEL_OF.get(parts[at - 1]) if at else None


@schema.hook
def map_path_parameters(context, path_parameters):
    for name, value in (path_parameters or {}).items():
        ids = EXISTING.get(_model_for(context.operation.path, name), [])
        if ids and isinstance(value, int) and value % (len(ids) + 1) < len(ids):
            path_parameters[name] = ids[value % (len(ids) + 1)]
    return path_parameters


@pytest.fixture
def tokens(cast, world, thresholds):
    receive_contact(
        by=cast.school_dsl,
        channel="professional",
        referrer_name="A teacher",
        concerns="Arrives hungry",
        family_consents="yes",
        subjects=[
            SubjectDetails(
                role="child", first_name="Nia", last_name="Northam", date_of_birth=date(2017, 3, 9)
            )
        ],
    )
    keys = {
        role: api_token_create(user=getattr(cast, role), name="Schemathesis", ends_with_sign_out=False).key
        for role in ("administrator", "social_worker")
    }
    for label in set(MODEL_OF.values()):
        EXISTING[label] = list(apps.get_model(label).objects.values_list("pk", flat=True)[:20])
    return keys


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["administrator", "social_worker"])
def test_every_operation_answers_as_its_schema_says(role, tokens):
    headers = {"Authorization": f"Token {tokens[role]}"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case):
            with transaction.atomic():
                response = case.call(headers=headers)
                transaction.set_rollback(True)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        try:
            answers_as_documented()
        except (Exception, BaseExceptionGroup) as failure:  # every operation's failures, reported together
            failures.append(f"{operation.label}: {failure}")
    assert operations > 90
    assert failures == [], "\n\n".join(failures)
