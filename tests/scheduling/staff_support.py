"""Helpers of the staff tests: appointments at chosen local times, written with the factory."""

from __future__ import annotations

import datetime as dt

from scheduling.models import Appointment, Practitioner, Room
from spa.lib.time import local_datetime
from tests.factories import AppointmentFactory

# A Wednesday in the future of the suite's real clock; tests freeze time around it.
DAY = dt.date(2027, 3, 3)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return local_datetime(day, dt.time(hour, minute))


def appointment(
    client,
    practitioner: Practitioner,
    start: dt.datetime,
    *,
    room: Room | None = None,
    status: str = Appointment.Status.BOOKED,
    **fields: object,
) -> Appointment:
    return AppointmentFactory(
        client=client,
        practitioner=practitioner,
        room=room or Room.objects.order_by("pk").first(),
        start=start,
        status=status,
        **fields,
    )
