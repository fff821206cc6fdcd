"""Every domain error reaches an API client through one exception handler, as it describes
itself (``DomainError.describe``): the exact bodies, key order included, of each kind. And the
schema declares, per operation, the errors it gives (``spa.api_schema``); tests/test_api_fuzz.py
checks the answers against it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from clients.errors import ClientsError
from clients.selectors import active_questions
from scheduling.booking.services import book_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment
from scheduling.plans.services import start_plan
from spa.api_schema import ERRORS, add_error_responses
from tests.factories import PASSWORD, AppointmentFactory, PractitionerFactory, make_client, submit_intake
from tests.scheduling.booking_support import at, monday
from tests.scheduling.plans_support import session
from treatments.models import Service


def as_user(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_clients_error_gives_detail_code_and_its_field(alice):
    response = as_user(alice).post("/api/v1/me/delete", {"confirm": True, "password": "not-it"}, format="json")
    assert response.status_code == 400
    assert response.content == (
        b'{"detail":"That password is not right.","code":"wrong_password","password":["That password is not right."]}'
    )


def test_several_field_errors_come_at_once(rules):
    body = {
        "email": "nora@example.com",
        "password": PASSWORD,
        "first_name": "Nora",
        "last_name": "New",
        "phone": "12",
        "date_of_birth": "2020-01-01",
    }
    response = APIClient().post("/api/v1/auth/register", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", "code", "phone", "date_of_birth"]
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == response.json()["phone"][0]


def test_unanswered_questions_are_nested_under_answers(alice):
    answers = {item.slug: False for item in active_questions()}
    del answers["keloid"], answers["pregnancy"]
    response = as_user(alice).put("/api/v1/me/intake", {"answers": answers, "consent": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Please answer this question.",
        "code": "unanswered",
        "answers": {slug: ["Please answer this question."] for slug in response.json()["answers"]},
    }
    assert set(response.json()["answers"]) == {"keloid", "pregnancy"}


def test_a_refusal_that_is_not_about_a_field_has_detail_and_code_only(alice, anna):
    face = Service.objects.get(slug="microneedling-face")
    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    other = AppointmentFactory(client=alice, practitioner=anna)
    start = at(monday(), 10).isoformat()
    response = as_user(alice).post(f"/api/v1/appointments/{other.pk}/reschedule", {"start": start}, format="json")
    assert response.status_code == 409
    assert set(response.json()) == {"detail", "code"}


def test_a_session_record_lists_every_problem_and_its_fields(alice, anna):
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben", max_depth_mm=Decimal("1.00"))
    plan = start_plan(client=alice, concern="fine_lines", area="eye_area", created_by=alice)
    start = timezone.now() - dt.timedelta(hours=1)
    appointment = session(plan, 1, start, ben, status=Appointment.Status.CHECKED_IN)
    body = {"needle_depth_mm": 2.0, "areas": ["eye_area", "nose"], "depth_override_reason": "."}
    response = as_user(ben.user).post(f"/api/v1/appointments/{appointment.pk}/complete", body, format="json")
    assert response.status_code == 400
    answer = response.json()
    assert list(answer) == ["detail", "code", "problems", "needle_depth_mm", "areas"]
    problems = answer["problems"]
    assert answer["detail"] == " ".join(p["detail"] for p in problems)
    assert answer["code"] == problems[0]["code"] == "depth_over_limit"
    assert answer["needle_depth_mm"] == [p["detail"] for p in problems if p["field"] == "needle_depth_mm"]
    assert answer["areas"] == [p["detail"] for p in problems if p["field"] == "areas"]


def test_a_forbidden_refusal_carries_no_field_errors(rules, anna):
    unscreened = make_client(screened=False)
    submit_intake(unscreened, {"keloid"})
    start = at(monday(), 10).isoformat()
    response = as_user(unscreened).post(
        "/api/v1/appointments", {"service": "microneedling-face", "start": start}, format="json"
    )
    assert response.status_code == 403
    assert list(response.json()) == ["detail", "code"]
    assert response.json()["code"] == "screening"


def test_an_error_describes_itself_the_same_for_a_form_and_the_api():
    refusal = SchedulingError("slot_taken", field="start")
    assert refusal.field_errors == {"start": [refusal.message]}
    assert refusal.describe() == {"detail": refusal.message, "code": "slot_taken"}  # a 409: no field errors
    intake = ClientsError(
        "unanswered", field_errors={"keloid": ["Answer."], "accepted": ["Tick."]}, questions={"keloid"}
    )
    assert intake.field_errors == {"keloid": ["Answer."], "accepted": ["Tick."]}  # a form's fields are flat
    assert intake.describe() == {
        "detail": intake.message,
        "code": "unanswered",
        "answers": {"keloid": ["Answer."]},
        "accepted": ["Tick."],
    }


# --- The schema declares the errors each operation gives (spa.api_schema) -------------------------


@pytest.fixture(scope="module")
def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(openapi: dict) -> dict[str, dict]:
    return {op["operationId"]: op for item in openapi["paths"].values() for op in item.values()}


def test_each_operation_declares_its_own_errors_and_never_a_401_or_405(openapi):
    operations = _operations(openapi)
    assert set(operations) == set(ERRORS)
    for name, operation in operations.items():
        errors = {int(code) for code in operation["responses"] if code.startswith("4")}
        assert errors == set(ERRORS[name]), name
    assert sorted(code for code in operations["v1_appointments_retrieve"]["responses"]) == ["200", "403", "404"]
    assert "409" in operations["v1_appointments_create"]["responses"]
    assert "409" not in operations["v1_availability_retrieve"]["responses"]


def test_a_refusal_has_detail_and_code_and_nothing_else(openapi):
    error = openapi["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    assert error["additionalProperties"] is False


def test_without_credentials_the_answer_is_the_declared_403(rules):
    # Session authentication comes first and names no WWW-Authenticate scheme: DRF sends 403.
    response = APIClient().get("/api/v1/me")
    assert response.status_code == 403
    assert list(response.json()) == ["detail", "code"]
    bad_token = APIClient().get("/api/v1/concerns", HTTP_AUTHORIZATION="Token nope")
    assert bad_token.status_code == 403


def test_an_operation_left_out_of_the_table_stops_the_schema():
    result = {"paths": {"/api/v1/new": {"get": {"operationId": "v1_new_retrieve", "responses": {}}}}}
    with pytest.raises(ImproperlyConfigured, match="v1_new_retrieve"):
        add_error_responses(result, None, None, public=True)
