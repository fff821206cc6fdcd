"""Calendar files: the appointment's ``.ics`` (page and API) and the practitioner's private feed,
parsed back with icalendar."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from scheduling.booking.calendars import appointment_ics, practitioner_feed
from scheduling.booking.services import cancel_appointment, reschedule_appointment
from scheduling.models import Appointment
from tests.factories import PractitionerFactory
from tests.scheduling.staff_support import DAY, appointment, local

BEFORE = local(DAY - dt.timedelta(days=7), 12)


def _event(body: bytes):
    calendar = Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_ics_has_a_stable_uid_local_times_with_tzid_and_a_vtimezone(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    calendar, event = _event(appointment_ics(appt))
    assert str(event["UID"]) == f"appointment-{appt.pk}@127.0.0.1"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == local(DAY, 10)
    assert event.decoded("DTEND") == local(DAY, 11)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert "Microneedling" in str(event["SUMMARY"])


def test_ics_keeps_its_uid_and_raises_its_sequence_on_reschedule(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    _, before = _event(appointment_ics(appt))
    moved = reschedule_appointment(appointment=appt, start=local(DAY, 15), by=anna.user, now=BEFORE)
    _, after = _event(appointment_ics(moved))
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == local(DAY, 15)
    cancelled = cancel_appointment(appointment=moved, by=anna.user, now=BEFORE)
    _, last = _event(appointment_ics(cancelled))
    assert str(last["STATUS"]) == "CANCELLED"
    assert int(last["SEQUENCE"]) > int(after["SEQUENCE"])


def test_ics_across_the_clock_change_keeps_the_wall_clock_time(alice, anna):
    appt = appointment(alice, anna, local(dt.date(2026, 10, 26), 10))
    _, event = _event(appointment_ics(appt))
    assert event.decoded("DTSTART").hour == 10
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)


def test_ics_page_serves_her_own_file_as_an_attachment(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    client.force_login(alice)
    response = client.get(reverse("scheduling:appointment_ics", args=[appt.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"] == f"attachment; filename=appointment-{appt.pk}.ics"
    _event(response.content)


def test_ics_page_is_404_for_another_client_and_anonymous_but_fine_for_staff(client, alice, bob, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    url = reverse("scheduling:appointment_ics", args=[appt.pk])
    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(anna.user)
    assert client.get(url).status_code == 200


def test_ics_api_for_owner_and_staff_only(client, alice, bob, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    url = reverse("api-appointment-ics", args=[appt.pk])
    assert client.get(url).status_code in (401, 403)
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    response = client.get(url, HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    _event(response.content)
    client.force_login(anna.user)
    assert client.get(url).status_code == 200


def test_feed_holds_the_practitioners_active_appointments_from_30_days_back(alice, bob, anna):
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben")
    now = local(DAY, 8)
    kept = [
        appointment(alice, anna, local(DAY, 10)),
        appointment(bob, anna, local(DAY - dt.timedelta(days=20), 10), status=Appointment.Status.COMPLETED),
    ]
    appointment(alice, anna, local(DAY - dt.timedelta(days=40), 10), status=Appointment.Status.COMPLETED)
    appointment(bob, anna, local(DAY, 14), status=Appointment.Status.CANCELLED)
    appointment(bob, ben, local(DAY, 12))
    calendar = Calendar.from_ical(practitioner_feed(anna, now=now))
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert uids == {f"appointment-{a.pk}@127.0.0.1" for a in kept}
    assert "Anna" in str(calendar["X-WR-CALNAME"])


def test_feed_is_reached_by_its_token_only(client, alice, anna):
    appointment(alice, anna, local(DAY, 10))
    with time_machine.travel(local(DAY, 8), tick=False):  # the feed holds 30 days back from now
        response = client.get(reverse("scheduling:practitioner_feed", args=[anna.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert b"Alice Archer" in response.content
    assert client.get(reverse("scheduling:practitioner_feed", args=[uuid.uuid4()])).status_code == 404
    assert client.get(f"/calendar/{anna.pk}.ics").status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_feed_runs_a_constant_number_of_queries(alice, anna, count, django_assert_max_num_queries):
    for n in range(count):
        appointment(alice, anna, local(DAY + dt.timedelta(days=n), 10))
    with django_assert_max_num_queries(2):
        feed = practitioner_feed(anna, now=local(DAY, 8))
    assert len(Calendar.from_ical(feed).walk("VEVENT")) == count
