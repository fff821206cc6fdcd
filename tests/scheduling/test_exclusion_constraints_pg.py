"""Migration 0002's two exclusion constraints, each proved on its own (PostgreSQL only).

Rows are written straight with the factory (no service re-check), so only the database stands
between them and a double booking. The practitioner rule is tried with two rooms, the room rule
with two practitioners, each row for another client (migration 0004's client rule stays out of
it): dropping either constraint fails exactly its own test.
"""

from __future__ import annotations

import os

import pytest
from django.db import IntegrityError, transaction

from scheduling.models import Appointment, Room
from tests.factories import AppointmentFactory, PractitionerFactory
from tests.scheduling.booking_support import at, monday

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
    ),
]


def _refused_by(**fields: object) -> str:
    """Insert an appointment (for a new client) expected to be refused; the name of the
    constraint that refused it."""
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        AppointmentFactory(**fields)
    cause = caught.value.__cause__
    assert getattr(cause, "pgcode", None) == "23P01", cause  # exclusion_violation
    return cause.diag.constraint_name


@pytest.fixture
def rooms(anna) -> tuple[Room, Room]:
    return Room.objects.get(name="Room 1"), Room.objects.get(name="Room 2")


def test_one_practitioner_cannot_be_in_two_rooms_at_once(alice, anna, rooms):
    one, two = rooms
    AppointmentFactory(client=alice, practitioner=anna, room=one, start=at(monday(), 10))
    refused = _refused_by(practitioner=anna, room=two, start=at(monday(), 10, 30))
    assert refused == "appointment_no_practitioner_overlap"


def test_one_room_cannot_hold_two_practitioners_at_once(alice, anna, rooms):
    one, _ = rooms
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben")
    AppointmentFactory(client=alice, practitioner=anna, room=one, start=at(monday(), 10))
    refused = _refused_by(practitioner=ben, room=one, start=at(monday(), 10, 30))
    assert refused == "appointment_no_room_overlap"


def test_back_to_back_and_other_rooms_and_cancelled_rows_are_allowed(alice, anna, rooms):
    one, two = rooms
    ben = PractitionerFactory(user__email="ben@example.com", display_name="Ben")
    first = AppointmentFactory(client=alice, practitioner=anna, room=one, start=at(monday(), 10))
    # Back to back: the next one starts where the first one's blocked range ends ([) ranges).
    AppointmentFactory(practitioner=anna, room=one, start=first.blocked_until)
    # Another practitioner in another room, at the same time.
    AppointmentFactory(practitioner=ben, room=two, start=at(monday(), 10))
    # A cancelled row does not hold its time.
    AppointmentFactory(practitioner=anna, room=one, start=at(monday(), 10), status=Appointment.Status.CANCELLED)
    assert Appointment.objects.filter(practitioner=anna, status=Appointment.Status.BOOKED).count() == 2
