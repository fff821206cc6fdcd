"""The availability API caches its answers, and every committed schedule change invalidates them:
through the services that write schedule data (bulk writes included) and through the admin's
own HTTP forms.

The clock stands still in every test: answers are cached per minute, so a minute ticking over
between two questions would hide a missed invalidation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from clients.privacy import erase_client
from scheduling.booking.services import book_appointment, cancel_appointment, reschedule_appointment
from scheduling.models import Closure, TimeOff, WorkingHours
from scheduling.resources.services import (
    Interval,
    add_closure,
    add_time_off,
    delete_closure,
    delete_time_off,
    set_working_hours,
)
from tests.factories import PractitionerFactory, RoomFactory
from tests.scheduling.booking_support import at, monday
from tests.scheduling.plans_support import local
from treatments.models import Service

NINE, TWO = "09:00", "14:00"


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(local(2026, 12, 1, 8), tick=False):
        yield


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write's after-commit hooks (the cache bump) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _slots(day: dt.date) -> list[str]:
    response = APIClient().get(
        "/api/v1/availability", {"service": "microneedling-face", "start": day.isoformat(), "end": day.isoformat()}
    )
    assert response.status_code == 200
    return [slot["start"][11:16] for slot in response.json()["slots"]]


def _face() -> Service:
    return Service.objects.get(slug="microneedling-face")


def test_a_repeated_question_is_answered_from_the_cache(anna, django_assert_num_queries):
    day = monday()
    first = _slots(day)
    with django_assert_num_queries(0):
        assert _slots(day) == first


def test_a_cold_public_answer_costs_four_cache_round_trips_at_most(anna, monkeypatch):
    # Cold as right after a restart of the cache: no schedule version yet. Read the version,
    # add a fresh one, miss, write the answer once (not under two keys).
    calls = []
    for name in ("get", "add", "set", "get_many", "set_many", "delete", "incr", "touch", "has_key"):
        original = getattr(cache, name)
        monkeypatch.setattr(
            cache, name, lambda *a, _call=original, _name=name, **k: calls.append(_name) or _call(*a, **k)
        )
    assert _slots(monday())
    assert calls == ["get", "add", "get", "set"]


# --- Services -------------------------------------------------------------------------------


def test_a_booking_makes_the_taken_time_disappear_at_once(alice, anna, commit):
    day = monday()
    assert NINE in _slots(day)
    with commit():
        book_appointment(client=alice, service=_face(), start=at(day, 9), booked_by=alice)
    assert NINE not in _slots(day)


def test_cancelling_and_rescheduling_free_the_time_at_once(alice, anna, commit):
    day = monday()
    with commit():
        booked = book_appointment(client=alice, service=_face(), start=at(day, 9), booked_by=alice)
    assert NINE not in _slots(day) and TWO in _slots(day)
    with commit():
        reschedule_appointment(appointment=booked, start=at(day, 14), by=alice)
    slots = _slots(day)
    assert NINE in slots and TWO not in slots
    booked.refresh_from_db()
    with commit():
        cancel_appointment(appointment=booked, by=alice)
    assert TWO in _slots(day)


def test_hours_set_in_bulk_for_a_practitioner_without_hours_are_offered_at_once(rules, owner, commit):
    """``set_working_hours`` inserts with ``bulk_create`` (no post_save): it signals itself."""
    RoomFactory(name="Room 1")
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben", hours=False)
    day = monday()
    assert _slots(day) == []
    with commit():
        set_working_hours(practitioner=ben, intervals=[Interval(day.weekday(), dt.time(9), dt.time(13))], by=owner)
    assert NINE in _slots(day)


def test_time_off_added_and_deleted_through_the_service(anna, owner, commit):
    day = monday()
    with commit():
        time_off = add_time_off(practitioner=anna, start=at(day, 0), end=at(day, 23), by=owner)
    assert _slots(day) == []
    with commit():
        delete_time_off(time_off=time_off, by=owner)
    assert NINE in _slots(day)


def test_a_closure_added_and_deleted_through_the_service(anna, owner, commit):
    day = monday()
    assert _slots(day)
    with commit():
        closure = add_closure(start_date=day, end_date=day, reason="Boiler", by=owner)
    assert _slots(day) == []
    with commit():
        delete_closure(closure=closure, by=owner)
    assert NINE in _slots(day)


def test_erasing_a_client_frees_her_booked_times_at_once(alice, anna, owner, commit):
    """Erasure cancels her future bookings with one ``update()`` (no post_save): it signals itself."""
    day = monday()
    with commit():
        book_appointment(client=alice, service=_face(), start=at(day, 9), booked_by=alice)
    assert NINE not in _slots(day)
    with commit():
        erase_client(user=alice, by=owner)
    assert NINE in _slots(day)


# --- The admin's forms ------------------------------------------------------------------------


def _unchanged_form(response) -> dict[str, object]:
    """What submitting an admin change page unchanged would send: its fields and inlines."""
    forms = [response.context["adminform"].form]
    data: dict[str, object] = {}
    for inline in response.context["inline_admin_formsets"]:
        data.update({f.html_name: f.value() for f in inline.formset.management_form})
        forms.extend(inline.formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is True:
                data[field.html_name] = "on"
            elif value is not None and value is not False and value != "":
                data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_time_off_added_and_deleted_in_the_admin(client, owner, anna, commit):
    day = monday()
    assert _slots(day)
    client.force_login(owner)
    form = {
        "practitioner": str(anna.pk),
        "start_0": day.isoformat(),
        "start_1": "00:00",
        "end_0": day.isoformat(),
        "end_1": "23:00",
        "reason": "Course",
    }
    with commit():
        response = client.post(reverse("admin:scheduling_timeoff_add"), form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _slots(day) == []
    time_off = TimeOff.objects.get(practitioner=anna)
    with commit():
        response = client.post(reverse("admin:scheduling_timeoff_delete", args=[time_off.pk]), {"post": "yes"})
    assert response.status_code == 302 and not TimeOff.objects.exists()
    assert NINE in _slots(day)


def test_a_closure_added_in_the_admin(client, owner, anna, commit):
    day = monday()
    assert _slots(day)
    client.force_login(owner)
    form = {"start_date": day.isoformat(), "end_date": day.isoformat(), "reason": "Boiler"}
    with commit():
        response = client.post(reverse("admin:scheduling_closure_add"), form)
    assert response.status_code == 302 and Closure.objects.count() == 1
    assert _slots(day) == []


def test_hours_deleted_in_the_admins_practitioner_page(client, owner, anna, commit):
    day = monday()
    assert NINE in _slots(day)
    client.force_login(owner)
    url = reverse("admin:scheduling_practitioner_change", args=[anna.pk])
    data = _unchanged_form(client.get(url))
    mondays = {h.pk for h in WorkingHours.objects.filter(practitioner=anna, weekday=day.weekday())}
    for key, value in list(data.items()):
        if key.startswith("working_hours-") and key.endswith("-id") and int(value) in mondays:
            data[key.removesuffix("id") + "DELETE"] = "on"
    with commit():
        response = client.post(url, data)
    assert response.status_code == 302, [
        (f.prefix, f.errors) for i in response.context["inline_admin_formsets"] for f in i.formset.forms if f.errors
    ]
    assert not WorkingHours.objects.filter(practitioner=anna, weekday=day.weekday()).exists()
    assert _slots(day) == []
    assert NINE in _slots(day + dt.timedelta(days=1))


def test_a_practitioner_made_inactive_in_the_admins_list(client, owner, anna, commit):
    day = monday()
    assert _slots(day)
    client.force_login(owner)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(anna.pk),
        "form-0-position": str(anna.position),
        "_save": "Save",
    }  # "active" left out: the checkbox unticked
    with commit():
        response = client.post(reverse("admin:scheduling_practitioner_changelist"), data)
    assert response.status_code == 302
    anna.refresh_from_db()
    assert not anna.active
    assert _slots(day) == []
