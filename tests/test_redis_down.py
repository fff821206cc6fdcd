"""A Redis outage costs the cache and the broker, never a booking (issue 12, defect 1).

The cache here is the production one (``redis_cache_settings``) pointed at a closed port. The
broker is the process's own: under ``.ci/run``'s Redis-down run (``REDIS_URL`` at a closed port
for the whole process) it is really down; otherwise its boundary (``apply_async``) is made to
fail as a dead Redis makes it fail.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from unittest import mock

import pytest
from django.conf import settings
from django.urls import reverse
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from scheduling.booking.services import book_appointment
from scheduling.models import Appointment, Notification
from spa.lib import broker
from spa.lib.cache import redis_cache_settings, reset_breaker
from tests.scheduling.booking_support import at, monday
from treatments.models import Service

DEAD_REDIS = "redis://127.0.0.1:1/0"
WHOLE_RUN_WITHOUT_REDIS = os.environ.get("REDIS_URL", "").startswith("redis://127.0.0.1:1/")


@pytest.fixture(autouse=True)
def dead_redis(settings, caplog):
    """The cache and the health check point at a closed port; the broker fails to publish."""
    reset_breaker()
    broker.reset_breaker()
    settings.CACHES = {"default": redis_cache_settings(DEAD_REDIS)}
    settings.REDIS_URL = DEAD_REDIS
    caplog.set_level(logging.WARNING)
    if WHOLE_RUN_WITHOUT_REDIS:
        yield
    else:
        failing = OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")
        with mock.patch("scheduling.notifications.tasks.dispatch_due_notifications.apply_async", side_effect=failing):
            yield
    reset_breaker()
    broker.reset_breaker()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")


def _cache_failure_logged(caplog) -> bool:
    return any(record.name == "spa.cache" for record in caplog.records)


def test_availability_answers_and_logs_the_dead_cache(api, anna, face, caplog):
    day = monday().isoformat()
    response = api.get("/api/v1/availability", {"service": "microneedling-face", "start": day, "end": day})
    assert response.status_code == 200
    assert len(response.json()["slots"]) == 26
    assert _cache_failure_logged(caplog)
    again = api.get("/api/v1/availability", {"service": "microneedling-face", "start": day, "end": day})
    assert again.status_code == 200
    assert again.json() == response.json()


def test_any_failure_of_the_after_commit_cache_bump_leaves_the_booking_a_201(
    api, alice, anna, face, django_capture_on_commit_callbacks
):
    api.force_authenticate(alice)
    with (
        mock.patch("scheduling.resources.answer_cache.cache.incr", side_effect=RuntimeError("cache exploded")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        booked = api.post(
            "/api/v1/appointments", {"service": "microneedling-face", "start": at(monday(), 10).isoformat()}
        )
    assert booked.status_code == 201
    assert Appointment.objects.filter(client=alice, status="booked").count() == 1


def test_register_and_token_work_without_their_throttle_cache(api, rules):
    registered = api.post(
        "/api/v1/auth/register",
        {
            "email": "new@example.com",
            "password": "a-long-pass-phrase-2026",
            "first_name": "New",
            "last_name": "Client",
            "phone": "+447700900123",
            "date_of_birth": "1990-01-01",
        },
        format="json",
    )
    assert registered.status_code == 201, registered.content
    token = api.post("/api/v1/auth/token", {"email": "new@example.com", "password": "a-long-pass-phrase-2026"})
    assert token.status_code == 200, token.content
    assert token.json()["token"]


def test_booking_cancel_and_reschedule_through_the_api_keep_their_status(
    api, alice, anna, face, django_capture_on_commit_callbacks
):
    api.force_authenticate(alice)
    with django_capture_on_commit_callbacks(execute=True):
        booked = api.post(
            "/api/v1/appointments", {"service": "microneedling-face", "start": at(monday(), 10).isoformat()}
        )
    assert booked.status_code == 201, booked.content
    url = f"/api/v1/appointments/{booked.json()['id']}"
    with django_capture_on_commit_callbacks(execute=True):
        moved = api.post(f"{url}/reschedule", {"start": at(monday(), 11, 30).isoformat()}, format="json")
    assert moved.status_code == 200, moved.content
    assert dt.datetime.fromisoformat(moved.json()["start"]) == at(monday(), 11, 30)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = api.post(f"{url}/cancel")
    assert cancelled.status_code == 200, cancelled.content
    # The messages are rows in the outbox, waiting for the beat sweeper.
    kinds = set(Notification.objects.filter(appointment_id=booked.json()["id"]).values_list("kind", flat=True))
    assert {"booking_confirmation", "cancellation"} <= kinds
    assert Notification.objects.filter(kind="cancellation", status="pending").exists()


def test_booking_and_cancelling_on_the_pages_redirect_as_usual(
    client, alice, anna, rules, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    start = at(monday(), 10)
    assert (
        client.get(reverse("scheduling:book_service", args=["consultation"]), {"day": monday().isoformat()}).status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scheduling:book_confirm", args=["consultation"]), {"start": start.isoformat()})
    appointment = Appointment.objects.get(client=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:appointment_detail", args=[appointment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(
            reverse("scheduling:appointment_reschedule", args=[appointment.pk]), {"start": at(monday(), 15).isoformat()}
        )
    assert moved.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(reverse("scheduling:appointment_cancel", args=[appointment.pk]))
    assert cancelled.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_a_staff_booking_for_a_client_commits_with_the_cache_down(
    alice, anna, face, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=anna.user)
    assert Appointment.objects.filter(pk=appointment.pk, status="booked").exists()


def test_healthz_names_the_broker_within_a_second(client, db):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_the_cache_in_use_is_the_dead_one():
    """Guards the test itself: the settings above reached the cache the app uses."""
    from django.core.cache import cache

    assert settings.CACHES["default"]["LOCATION"] == DEAD_REDIS
    assert cache.get("anything", "miss") == "miss"
