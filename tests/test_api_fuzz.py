"""API fuzzing with schemathesis against the schema ``/api/schema/`` serves.

- Every operation on its own: generated requests, valid and invalid, as the persona it is for
  (alice the client; anna the practitioner for the staff operations).
- Stateful: chains that follow the schema's links (``spa.api_schema.LINKS``) from a booked
  appointment to its detail, calendar file, cancel, reschedule, check-in, record and no-show, and
  from a started plan to its detail, its course proposal and booking that course.

Random slugs and dates never pass validation, so the generators also draw valid requests
(``VALID_BODIES``, ``VALID_QUERIES``): the real service, concern and area slugs and starts inside
the bookable window, on a world where alice's intake is clear and anna works. The stateful test
asserts which answers it reached, so a booking that can no longer succeed fails it.
Checks: never a 5xx; statuses, content types and bodies as the schema declares them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import checks as st_checks

from scheduling.models import Room
from scheduling.resources.answer_cache import forget_cached_answers
from spa.api_schema import LINKS
from spa.lib.time import local_datetime
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
# Staff operations are called as anna (a practitioner), the rest as alice (a client).
STAFF_OPERATIONS = {"v1_schedule_retrieve", "v1_appointments_check_in_create", "v1_appointments_complete_create"}
STAFF_OPERATIONS |= {"v1_appointments_no_show_create", "v1_clients_clearance_create"}


def _day(weeks_ahead: int) -> dt.date:
    """A Monday at least ``weeks_ahead`` weeks away (anna works Monday to Saturday)."""
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday() + 7 * (weeks_ahead - 1))


DAYS = [_day(2), _day(2) + dt.timedelta(days=1), _day(3)]
STARTS = [local_datetime(day, dt.time(hour)).isoformat() for day in DAYS for hour in (10, 15)]
TAKEN = STARTS[2]
SERVICES = ["microneedling-face", "microneedling-face-neck", "consultation"]
CONCERNS = ["fine_lines", "wrinkles", "acne_scars"]
AREAS = ["cheeks", "forehead", "neck"]

VALID_QUERIES = {
    ("GET", "/api/v1/availability"): st.fixed_dictionaries(
        {"service": st.sampled_from(SERVICES), "start": st.sampled_from([d.isoformat() for d in DAYS])}
    ).map(lambda query: {**query, "end": query["start"]}),
}
VALID_QUERIES[("GET", "/api/v1/availability/days")] = VALID_QUERIES[("GET", "/api/v1/availability")]
VALID_BODIES = {
    ("POST", "/api/v1/appointments"): st.fixed_dictionaries(
        {"service": st.sampled_from(SERVICES), "start": st.sampled_from(STARTS)}
    ),
    ("POST", "/api/v1/appointments/{id}/reschedule"): st.fixed_dictionaries({"start": st.sampled_from(STARTS)}),
    ("POST", "/api/v1/appointments/{id}/complete"): st.fixed_dictionaries(
        {"needle_depth_mm": st.sampled_from(["0.50", "1.00"]), "areas": st.just(["cheeks"])}
    ),
    ("POST", "/api/v1/plans"): st.fixed_dictionaries(
        {"concern": st.sampled_from(CONCERNS), "area": st.sampled_from(AREAS)}
    ),
}


def _load_schema() -> schemathesis.BaseSchema:
    """The schema exactly as ``/api/schema/`` serves it, generated without a request."""
    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded.exclude(path=EXCLUDED_PATHS)


schema = _load_schema()


def _key(context: Any) -> tuple[str, str]:
    return context.operation.method.upper(), context.operation.path


@schema.hook
def before_generate_query(context: Any, strategy: st.SearchStrategy) -> st.SearchStrategy:
    valid = VALID_QUERIES.get(_key(context))
    return strategy if valid is None else st.one_of(valid, strategy)


@schema.hook
def before_generate_body(context: Any, strategy: st.SearchStrategy) -> st.SearchStrategy:
    valid = VALID_BODIES.get(_key(context))
    return strategy if valid is None else st.one_of(valid, strategy)


# The stateful test follows the schema's own links only (no inferred ones), from the operations
# that create something to those that act on it.
linked = schema.include(
    operation_id=sorted(
        {source for source, _ in LINKS} | {link["operationId"] for links in LINKS.values() for link in links.values()}
    )
)
linked.config.phases.stateful.inference.algorithms = []


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
def tokens(alice, anna, bob) -> dict[str, str]:
    """The personas' headers: alice screened clear with a signed consent; anna works Monday to
    Saturday, and bob already holds one of the starts offered to alice (a taken slot is a 409)."""
    AppointmentFactory(client=bob, practitioner=anna, room=Room.objects.first(), start=dt.datetime.fromisoformat(TAKEN))
    client, _ = Token.objects.get_or_create(user=alice)
    staff, _ = Token.objects.get_or_create(user=anna.user)
    return {"client": f"Token {client.key}", "staff": f"Token {staff.key}"}


def _headers(tokens: dict[str, str], operation_id: str) -> dict[str, str]:
    return {"Authorization": tokens["staff" if operation_id in STAFF_OPERATIONS else "client"]}


FUZZ = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_every_operation_never_errors_and_matches_its_schema(case, tokens):
    headers = _headers(tokens, case.operation.definition.raw["operationId"])
    cache.clear()  # the booking throttle would answer 429 to the rest of the run
    case.call_and_validate(headers=headers, checks=CHECKS)


#: What a stateful run must reach: (operationId, status). Booking must succeed, and each action
#: on a booked appointment or a started plan must get past its validation into its service.
MUST_REACH = {
    ("v1_appointments_create", 201),
    ("v1_appointments_retrieve", 200),
    ("v1_appointments_cancel_create", 200),
    ("v1_appointments_reschedule_create", 200),
    ("v1_appointments_check_in_create", 400),  # check_in_not_today: the service refused
    ("v1_appointments_complete_create", 400),  # not_started: every problem listed
    ("v1_plans_create", 201),
    ("v1_plans_retrieve", 200),
    ("v1_plans_course_retrieve", 200),
    ("v1_plans_course_create", 201),
}


@pytest.mark.django_db
def test_linked_operations_statefully(tokens):
    reached: set[tuple[str, int]] = set()

    class Journeys(linked.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from the same world: its bookings and plans are rolled back.
            cache.clear()
            forget_cached_answers()
            self.savepoint = transaction.savepoint_create()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": _headers(tokens, case.operation.definition.raw["operationId"])}

        def after_call(self, response: Any, case: Any) -> None:
            reached.add((case.operation.definition.raw["operationId"], response.status_code))

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Journeys.run(
        settings=settings(
            max_examples=40,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    assert reached >= MUST_REACH, sorted(MUST_REACH - reached)
