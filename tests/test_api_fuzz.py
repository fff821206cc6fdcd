"""API fuzzing with schemathesis against ``/api/schema/``, as a client and as staff.

Every operation of the schema gets generated requests (valid and invalid); the checks: never a
5xx, and status codes, content types and bodies conform to the schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis import checks as st_checks

from spa.wsgi import application
from tests.factories import AppointmentFactory

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
]

# Operations that change the caller's identity would end the fuzzing session early.
EXCLUDED_PATHS = ["/api/v1/me/delete"]


def _load_schema() -> schemathesis.BaseSchema:
    """The schema exactly as ``/api/schema/`` serves it, generated without a request."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded.exclude(path=EXCLUDED_PATHS)


schema = _load_schema()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go straight to the WSGI app, whose request signals would close the database
    connection (and the test's transaction with it) on PostgreSQL; Django's test client
    disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def data(alice, anna):
    """Something to find: an appointment of alice's with anna."""
    return AppointmentFactory(client=alice, practitioner=anna)


FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_the_api_as_a_client_never_errors_and_matches_its_schema(case, alice, data):
    token, _ = Token.objects.get_or_create(user=alice)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_the_api_as_staff_never_errors_and_matches_its_schema(case, anna, data):
    token, _ = Token.objects.get_or_create(user=anna.user)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=CHECKS)
