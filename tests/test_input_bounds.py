"""Odd input gets a clear 400 or form error, never a 500 (issue 12, defect 6)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient


@pytest.fixture
def raising_client() -> Client:
    """A 500 fails the test with its traceback instead of hiding behind a status code."""
    return Client(raise_request_exception=True)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "99999-01-01"])
def test_the_day_picker_answers_a_far_or_impossible_day_without_a_500(raising_client, anna, day):
    response = raising_client.get("/book/microneedling-face/", {"day": day})
    assert response.status_code in (200, 400)
    assert "is outside" in response.content.decode() or response.status_code == 200


@pytest.mark.parametrize(
    "start", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:00-05:00", "9999-12-31T23:59:59+00:00", "garbage"]
)
def test_confirming_a_start_at_the_edge_of_time_is_refused_clearly(raising_client, alice, anna, start):
    raising_client.force_login(alice)
    response = raising_client.get("/book/microneedling-face/confirm/", {"start": start})
    assert response.status_code in (302, 400)


@pytest.mark.parametrize("path", ["/api/v1/appointments", "/api/v1/schedule"])
@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_staff_lists_for_a_date_at_the_edge_of_time_are_a_400(desk, anna, path, date):
    api = APIClient(raise_request_exception=True)
    api.force_authenticate(desk)
    response = api.get(path, {"date": date})
    assert response.status_code == 400
    assert "date" in response.json()


def test_the_outbox_filter_at_the_edge_of_time_is_a_form_error(raising_client, desk):
    raising_client.force_login(desk)
    response = raising_client.get("/staff/outbox/", {"day_from": "9999-12-31", "day_to": "9999-12-31"})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999999", "1.5"])
def test_a_non_numeric_client_on_the_staff_booking_page_is_not_a_500(raising_client, desk, anna, value):
    raising_client.force_login(desk)
    response = raising_client.get("/staff/book/", {"client": value})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-5"])
def test_integer_query_parameters_are_validated(desk, anna, value):
    api = APIClient(raise_request_exception=True)
    api.force_authenticate(desk)
    assert api.get("/api/v1/schedule", {"practitioner": value}).status_code == 400
    assert api.get("/api/v1/plans", {"client": value}).status_code in (200, 400)
    availability = {"service": "microneedling-face", "start": "2030-01-01", "end": "2030-01-02", "practitioner": value}
    assert api.get("/api/v1/availability", availability).status_code == 400


def test_a_ten_megabyte_json_body_gets_a_json_error(alice):
    api = APIClient()
    api.force_authenticate(alice)
    body = json.dumps({"service": "microneedling-face", "start": "x" * (10 * 1024 * 1024)})
    response = api.generic("POST", "/api/v1/appointments", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] in ("too_large", "parse_error")


def test_malformed_json_gets_a_json_error(alice):
    api = APIClient()
    api.force_authenticate(alice)
    response = api.generic("POST", "/api/v1/appointments", b'{"service": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_session_notes_have_a_limit(anna, alice):
    from scheduling.plan_forms import RecordSessionForm

    form = RecordSessionForm(data={"notes": "n" * 100_000})
    form.is_valid()
    assert "notes" in form.errors
