"""Fixtures: the default rules, and the personas of every access test.

``alice`` and ``bob`` are clients (screened clear, consent signed), ``anna`` a practitioner
(2.0 mm), ``owner`` the admin. Log in with ``client.force_login(user)`` (django-axes wants a
request for password logins).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache

from scheduling.resources.answer_cache import forget_cached_answers
from spa import health
from spa.lib.roles import FRONT_DESK, assign_role
from tests.factories import PractitionerFactory, RoomFactory, make_client
from treatments.defaults import load_default_rules

# A run with ``SPA_TEST_CLOCK_OFFSET_DAYS=400`` moves the whole session's clock that many days
# ahead (ticking), so that a test that leans on today's date fails now rather than on the day the
# calendar reaches it. CI runs the suite once this way (.ci/run). Tests that fix their own clock
# with ``time_machine.travel`` still do: an inner travel wins while it lasts.
_CLOCK_OFFSET_DAYS = int(os.environ.get("SPA_TEST_CLOCK_OFFSET_DAYS", "0") or 0)
_session_clock: time_machine.travel | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _session_clock
    if _CLOCK_OFFSET_DAYS and _session_clock is None:
        moved = dt.datetime.now(dt.UTC) + dt.timedelta(days=_CLOCK_OFFSET_DAYS)
        _session_clock = time_machine.travel(moved, tick=True)
        _session_clock.start()


def pytest_report_header(config: pytest.Config) -> str | None:
    if _CLOCK_OFFSET_DAYS:
        return f"clock moved {_CLOCK_OFFSET_DAYS} days ahead: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    return None


def pytest_unconfigure(config: pytest.Config) -> None:
    global _session_clock
    if _session_clock is not None:
        _session_clock.stop()
        _session_clock = None


@pytest.fixture(autouse=True)
def empty_cache():
    """The cache (throttles, availability answers, in the process too) starts empty in every test."""
    cache.clear()
    forget_cached_answers()


@pytest.fixture(autouse=True)
def quiet_broker_folder(monkeypatch, tmp_path_factory):
    """/healthz watches the filesystem broker's folder for messages no worker takes. Tests run no
    worker, so the kicks they send pile up in var/; the health check watches a folder of the
    test's own instead (tests/test_health.py puts messages in it)."""
    folder = tmp_path_factory.mktemp("broker")
    monkeypatch.setattr(health, "broker_folder", lambda: folder)
    return folder


@pytest.fixture
def rules(db):
    load_default_rules()


@pytest.fixture
def alice(rules):
    return make_client("alice@example.com", first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(rules):
    return make_client("bob@example.com", first_name="Bob", last_name="Baker")


@pytest.fixture
def anna(rules):
    """Anna, practitioner up to 2.0 mm, Monday–Saturday with a lunch break, with two rooms."""
    RoomFactory(name="Room 1")
    RoomFactory(name="Room 2")
    return PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")


@pytest.fixture
def desk(rules):
    """Dana at the front desk: every schedule, bookings for clients, client records (spa.lib.roles)."""
    user = get_user_model().objects.create_user(
        email="desk@example.com", password="x-desk-password-1", first_name="Dana", last_name="Desk", is_staff=True
    )
    assign_role(user, FRONT_DESK)
    return user


@pytest.fixture
def owner(db):
    return get_user_model().objects.create_superuser(email="owner@example.com", password="x-owner-password-1")
