"""One tap, one booking: ``Idempotency-Key`` on the booking writes (scheduling/idempotency.py)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from scheduling.booking.idempotency import forget_old_keys
from scheduling.models import Appointment, IdempotencyKey
from tests.scheduling.booking_support import at, make_plan, monday


def client_api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def book(api: APIClient, start: dt.datetime, key: str | None, **extra: object):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    data = {"service": "microneedling-face", "start": start.isoformat(), **extra}
    return api.post("/api/v1/appointments", data, format="json", **headers)


def test_a_repeat_with_the_same_key_returns_the_first_answer_and_books_once(alice, anna):
    api = client_api(alice)
    first = book(api, at(monday(), 10), "tap-1")
    again = book(api, at(monday(), 10), "tap-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.filter(client=alice).count() == 1


def test_without_a_key_a_repeat_is_told_she_is_already_booked(alice, anna):
    api = client_api(alice)
    assert book(api, at(monday(), 10), None).status_code == 201
    repeat = book(api, at(monday(), 10), None)
    assert repeat.status_code == 409
    assert repeat.json()["code"] == "client_busy"


def test_the_same_key_with_another_body_is_refused(alice, anna):
    api = client_api(alice)
    assert book(api, at(monday(), 10), "tap-1").status_code == 201
    other = book(api, at(monday(), 14), "tap-1")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.filter(client=alice).count() == 1


def test_keys_belong_to_one_user(alice, bob, anna):
    assert book(client_api(alice), at(monday(), 10), "same").status_code == 201
    theirs = book(client_api(bob), at(monday(), 14), "same")
    assert theirs.status_code == 201
    assert Appointment.objects.count() == 2


def test_a_refused_first_request_frees_its_key(alice, anna):
    api = client_api(alice)
    refused = book(api, at(monday(), 3), "tap-1")  # 03:00: not offered
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert book(api, at(monday(), 10), "tap-1").status_code == 201


def test_cancel_and_reschedule_repeat_their_first_answer(alice, anna):
    api = client_api(alice)
    booked = book(api, at(monday(), 10), None).json()
    path = f"/api/v1/appointments/{booked['id']}"
    moves = [
        api.post(f"{path}/reschedule", {"start": at(monday(), 14).isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY="m")
        for _ in range(2)
    ]
    assert [m.status_code for m in moves] == [200, 200]
    assert moves[1].json() == moves[0].json()
    cancels = [api.post(f"{path}/cancel", HTTP_IDEMPOTENCY_KEY="c") for _ in range(2)]
    assert [c.status_code for c in cancels] == [200, 200]
    assert cancels[1].json()["status"] == "cancelled"


def test_a_whole_course_repeat_books_it_once(alice, anna):
    plan = make_plan(alice)
    api = client_api(alice)
    proposal = api.get(f"/api/v1/plans/{plan.pk}/course").json()["sessions"]
    body = {
        "sessions": [{"number": s["number"], "start": s["start"], "practitioner": s["practitioner"]} for s in proposal]
    }
    first = api.post(f"/api/v1/plans/{plan.pk}/course", body, format="json", HTTP_IDEMPOTENCY_KEY="course")
    again = api.post(f"/api/v1/plans/{plan.pk}/course", body, format="json", HTTP_IDEMPOTENCY_KEY="course")
    assert first.status_code == again.status_code == 201
    assert again.json()["appointments"] == first.json()["appointments"]
    assert Appointment.objects.filter(plan=plan).count() == 3


def test_old_keys_are_forgotten_after_48_hours(alice, anna):
    book(client_api(alice), at(monday(), 10), "tap-1")
    created = IdempotencyKey.objects.get().created_at
    assert forget_old_keys(now=created + dt.timedelta(hours=47)) == 0
    assert forget_old_keys(now=created + dt.timedelta(hours=49)) == 1


@pytest.mark.django_db(transaction=True)
def test_repeats_arriving_at_the_same_moment_book_once(rules, anna):
    """Threads with their own connections (on PostgreSQL; SQLite serialises them anyway)."""
    from tests.factories import make_client

    if connections["default"].vendor == "sqlite" and "memory" in str(connections["default"].settings_dict["NAME"]):
        pytest.skip("needs a database that threads share: PostgreSQL (DATABASE_URL) or a SQLite file")
    alice = make_client("racer@example.com")
    start = at(monday(), 10)
    barrier = threading.Barrier(4)
    answers: list[tuple[int, int | None]] = []

    def tap() -> None:
        try:
            barrier.wait()
            response = book(client_api(alice), start, "double-tap")
            answers.append((response.status_code, response.json().get("id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201] * 4, answers
    assert len({pk for _, pk in answers}) == 1
    assert Appointment.objects.filter(client=alice).count() == 1
