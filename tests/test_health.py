from __future__ import annotations

import datetime as dt
import os
import time
from unittest import mock

import pytest
from django.test import override_settings
from django.utils import timezone

from scheduling.models import Notification
from spa import health

ALL_OK = {"database": "ok", "broker": "ok", "outbox": "ok"}


@pytest.fixture
def broker_folder(settings, quiet_broker_folder):
    """The filesystem broker's folder: the one of this test's own (tests/conftest.py)."""
    if settings.REDIS_URL:
        pytest.skip("the filesystem broker only (REDIS_URL is set: Redis is the broker)")
    return quiet_broker_folder


def _message(folder, *, age_seconds: float) -> None:
    """A message file as kombu's filesystem transport writes it, waiting for ``age_seconds``."""
    path = folder / f"{int(time.time() * 1000)}_{age_seconds}.celery.msg"
    path.write_text("{}")
    then = time.time() - age_seconds
    os.utime(path, (then, then))


def test_healthz_says_database_broker_and_outbox_are_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == ALL_OK


def test_healthz_names_a_database_that_is_down(client, db):
    with mock.patch("spa.health.connection.cursor", side_effect=Exception("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_names_a_broker_that_is_down(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "broker": "down"}


def test_a_message_taken_promptly_is_a_working_filesystem_broker(client, db, broker_folder):
    _message(broker_folder, age_seconds=5)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == ALL_OK


def test_a_message_nobody_takes_means_no_worker_consumes(client, db, broker_folder):
    """A writable folder is not a working broker: a message waiting over two minutes means no
    worker takes them (the beat sends one every minute)."""
    _message(broker_folder, age_seconds=health.STALE_MESSAGE_SECONDS + 30)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "broker": "stalled"}


def test_a_filesystem_broker_folder_that_cannot_be_written_is_down(client, db, broker_folder):
    response_ok = client.get("/healthz")
    broker_folder.rmdir()
    response = client.get("/healthz")
    assert response_ok.status_code == 200
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_a_message_due_long_ago_and_still_pending_is_reported_late(client, alice):
    def row(minutes_overdue: int, key: str) -> Notification:
        return Notification.objects.create(
            client=alice,
            kind="reminder",
            due_at=timezone.now() - dt.timedelta(minutes=minutes_overdue),
            dedupe_key=key,
            subject="Reminder",
            body_text="See you",
        )

    row(2, "due:now")  # the sweeper comes every minute: two minutes is normal
    assert client.get("/healthz").json()["outbox"] == "ok"
    row(health.OUTBOX_LATE_MINUTES + 5, "due:long-ago")
    response = client.get("/healthz")
    assert response.status_code == 200  # this node still serves pages and books
    assert response.json() == {**ALL_OK, "outbox": "late"}
