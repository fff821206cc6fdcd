"""Many clients at one slot on PostgreSQL: exactly one booking, the rest a clean ``slot_taken``.

Real transactions and threads, each with its own connection; the exclusion constraints of
migration 0002 are what makes this hold when several transactions read "free" together.
"""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection, connections

from scheduling.booking.services import book_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment
from tests.factories import make_client
from tests.scheduling.booking_support import at, monday
from treatments.models import Service

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://...",
    ),
]

THREADS = 24


@pytest.mark.django_db(transaction=True)
def test_threads_racing_for_one_slot_make_exactly_one_booking(rules, anna):
    assert connection.vendor == "postgresql"
    face = Service.objects.get(slug="microneedling-face")
    clients = [make_client(f"racer{n}@example.com") for n in range(THREADS)]
    start = at(monday(), 10)
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(client) -> None:
        try:
            barrier.wait()
            book_appointment(client=client, service=face, start=start, practitioner=anna, booked_by=client)
            outcome = "booked"
        except SchedulingError as error:
            outcome = error.code
        except Exception as error:
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("booked") == 1, results
    assert results.count("slot_taken") == THREADS - 1, results
    assert Appointment.objects.filter(practitioner=anna, status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_an_overlapping_row(rules, anna, alice):
    from django.db import IntegrityError, transaction

    from tests.factories import AppointmentFactory

    face = Service.objects.get(slug="microneedling-face")
    first = AppointmentFactory(client=alice, practitioner=anna, service=face, start=at(monday(), 10))
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        AppointmentFactory(client=alice, practitioner=anna, room=first.room, service=face, start=at(monday(), 10, 30))
    assert getattr(caught.value.__cause__, "pgcode", None) == "23P01"


@pytest.mark.django_db(transaction=True)
def test_one_client_racing_at_two_practitioners_makes_one_booking(rules, anna, alice):
    """A double tap that reached two practitioners: her row lock and the client exclusion
    constraint (migration 0004) leave one booking and one clean ``client_busy``."""
    from tests.factories import PractitionerFactory

    consultation = Service.objects.get(slug="consultation")
    ben = PractitionerFactory(display_name="Ben", position=9)
    ben.services.add(consultation)
    start = at(monday(), 12)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(practitioner) -> None:
        try:
            barrier.wait()
            book_appointment(
                client=alice, service=consultation, start=start, practitioner=practitioner, booked_by=alice
            )
            results.append("booked")
        except SchedulingError as error:
            results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in (anna, ben)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["booked", "client_busy"], results
    assert Appointment.objects.filter(client=alice, status="booked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_two_overlapping_appointments_of_one_client(rules, anna, alice):
    from django.db import IntegrityError, transaction

    from tests.factories import AppointmentFactory, PractitionerFactory, RoomFactory

    face = Service.objects.get(slug="microneedling-face")
    ben = PractitionerFactory(display_name="Ben", position=9)
    AppointmentFactory(client=alice, practitioner=anna, service=face, start=at(monday(), 10))
    other_room = RoomFactory(name="Room 9")
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        AppointmentFactory(client=alice, practitioner=ben, room=other_room, service=face, start=at(monday(), 10, 30))
    assert "appointment_no_client_overlap" in str(caught.value)
    # Back to back is fine: her time ends with the session, not with the room's buffer.
    AppointmentFactory(client=alice, practitioner=ben, room=other_room, service=face, start=at(monday(), 11))
