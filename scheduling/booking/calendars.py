"""Calendar files (RFC 5545, via the icalendar package): one appointment, or a practitioner's feed.

- UID ``appointment-<pk>@<host>`` never changes, so a calendar updates the event it already has
  when the file is opened again after a reschedule.
- DTSTART/DTEND carry ``TZID=<spa zone>`` with a generated VTIMEZONE: the event stays at the
  spa's wall-clock time whatever the reader's zone and across daylight-saving changes.
- SEQUENCE is the number of saved revisions of the appointment (its history rows, minus the
  creation): every reschedule, cancellation or check-in raises it, never lowers it.
- A cancelled appointment is ``STATUS:CANCELLED`` (calendars then strike or drop it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from scheduling.models import Appointment, Practitioner
from spa.lib.contact import spa_contact
from spa.lib.time import spa_zone
from treatments.selectors import pre_care_steps

FEED_DAYS_BACK = 30


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@{_host()}"


def _sequences(ids: Iterable[int]) -> dict[int, int]:
    """Revision count per appointment, in one query over the history table."""
    rows = Appointment.history.filter(id__in=list(ids)).values("id").annotate(n=Count("history_id"))
    return {row["id"]: max(0, row["n"] - 1) for row in rows}


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.SPA_NAME}//Spa booking//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _event(appointment: Appointment, *, sequence: int, for_practitioner: bool, stamp: dt.datetime) -> Event:
    zone = spa_zone()
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.start.astimezone(zone))
    event.add("dtend", appointment.end.astimezone(zone))
    event.add("sequence", sequence)
    event.add("created", appointment.created_at)
    if for_practitioner:
        client = appointment.client.get_full_name() or appointment.client.email
        event.add("summary", f"{appointment.service.name}: {client}")
        lines = [f"Room: {appointment.room.name}"]
        if appointment.session_number:
            lines.append(f"Plan session {appointment.session_number}")
        event.add("description", "\n".join(lines))
    else:
        event.add("summary", f"{appointment.service.name} at {settings.SPA_NAME}")
        price = f"£{appointment.service.price}, paid on the day" if appointment.service.price else "Free"
        manage = settings.SITE_URL + reverse("scheduling:appointment_detail", args=[appointment.pk])
        lines = [
            f"With {appointment.practitioner.display_name}. Price: {price}.",
            f"Map: {spa_contact()['spa_map_url']}",
            *(f"Before: {step.body}" for step in pre_care_steps() if appointment.service.is_needling),
            f"To cancel or reschedule: {manage}",
        ]
        event.add("description", "\n".join(lines))
    # The street address, so that a phone's calendar can route her there.
    event.add("location", f"{settings.SPA_NAME}, {settings.SPA_ADDRESS} ({appointment.room.name})")
    event.add("status", "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if appointment.status == Appointment.Status.CANCELLED else "OPAQUE")
    return event


def appointment_ics(appointment: Appointment, *, now: dt.datetime | None = None) -> bytes:
    """The client's ``.ics`` for one appointment (also what staff download)."""
    cal = _calendar(settings.SPA_NAME)
    sequence = _sequences([appointment.pk]).get(appointment.pk, 0)
    cal.add_component(_event(appointment, sequence=sequence, for_practitioner=False, stamp=now or timezone.now()))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_appointments(practitioner: Practitioner, *, now: dt.datetime | None = None) -> list[Appointment]:
    """What the feed holds: the practitioner's active appointments from 30 days back."""
    since = (now or timezone.now()) - dt.timedelta(days=FEED_DAYS_BACK)
    return list(
        Appointment.objects.filter(
            practitioner=practitioner, status__in=Appointment.ACTIVE_STATUSES, end__gte=since
        ).select_related("client", "room", "service", "practitioner")
    )


def practitioner_feed(practitioner: Practitioner, *, now: dt.datetime | None = None) -> bytes:
    """A practitioner's private subscription feed (three queries whatever its size)."""
    stamp = now or timezone.now()
    appointments = feed_appointments(practitioner, now=now)
    sequences = _sequences(a.pk for a in appointments)
    cal = _calendar(f"{settings.SPA_NAME}: {practitioner.display_name}")
    for appointment in appointments:
        cal.add_component(
            _event(appointment, sequence=sequences.get(appointment.pk, 0), for_practitioner=True, stamp=stamp)
        )
    cal.add_missing_timezones()
    return cal.to_ical()
