"""The availability API caches its answers, and any committed schedule change invalidates them."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from scheduling.booking import book_appointment
from scheduling.models import TimeOff
from tests.scheduling.booking_support import at, monday
from treatments.models import Service


def _slots(day: dt.date) -> list[str]:
    response = APIClient().get(
        "/api/v1/availability", {"service": "microneedling-face", "start": day.isoformat(), "end": day.isoformat()}
    )
    assert response.status_code == 200
    return [slot["start"] for slot in response.json()["slots"]]


def test_a_repeated_question_is_answered_from_the_cache(anna, django_assert_num_queries):
    day = monday()
    first = _slots(day)
    with django_assert_num_queries(0):
        assert _slots(day) == first


def test_a_booking_makes_the_taken_time_disappear_at_once(alice, anna, django_capture_on_commit_callbacks):
    day = monday()
    assert at(day, 9).isoformat() in _slots(day)
    with django_capture_on_commit_callbacks(execute=True):
        book_appointment(
            client=alice, service=Service.objects.get(slug="microneedling-face"), start=at(day, 9), booked_by=alice
        )
    assert at(day, 9).isoformat() not in _slots(day)


def test_time_off_entered_in_the_admin_invalidates_cached_answers(anna, django_capture_on_commit_callbacks):
    day = monday()
    assert _slots(day)
    with django_capture_on_commit_callbacks(execute=True):
        TimeOff.objects.create(practitioner=anna, start=at(day, 0), end=at(day, 23))
    assert _slots(day) == []
