"""Booking, cancelling and rescheduling through the services (scheduling/booking.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import ClientProfile
from scheduling.booking.services import book_appointment, cancel_appointment, reschedule_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Notification, Room
from tests.factories import PractitionerFactory, make_client, sign_consent, submit_intake
from tests.scheduling.booking_support import at, make_plan, monday
from treatments.models import Service


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")


def refused(code: str, **kwargs) -> SchedulingError:
    with pytest.raises(SchedulingError) as caught:
        book_appointment(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- Booking -------------------------------------------------------------------------------


def test_booking_an_offered_slot_writes_the_appointment_and_queues_the_confirmation(alice, anna, face):
    start = at(monday(), 10)
    appointment = book_appointment(client=alice, service=face, start=start, booked_by=alice)
    assert appointment.practitioner == anna
    assert appointment.room == Room.objects.get(name="Room 1")
    assert appointment.start == start
    assert appointment.end == start + dt.timedelta(minutes=60)
    assert appointment.blocked_until == start + dt.timedelta(minutes=75)
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.booked_by == alice
    assert Notification.objects.filter(appointment=appointment, kind="booking_confirmation").exists()


def test_anyone_takes_the_first_free_practitioner_by_position_and_a_free_room(alice, bob, anna, face):
    ben = PractitionerFactory(display_name="Ben", position=9)
    start = at(monday(), 10)
    first = book_appointment(client=alice, service=face, start=start, booked_by=alice)
    second = book_appointment(client=bob, service=face, start=start, booked_by=bob)
    assert (first.practitioner, second.practitioner) == (anna, ben)
    assert first.room != second.room


def test_a_time_outside_working_hours_is_not_offered(alice, anna, face):
    error = refused("not_offered", client=alice, service=face, start=at(monday(), 13), booked_by=alice)
    assert error.status == 400


def test_a_time_just_taken_is_a_409(alice, bob, anna, face):
    start = at(monday(), 10)
    book_appointment(client=alice, service=face, start=start, practitioner=anna, booked_by=alice)
    error = refused("slot_taken", client=bob, service=face, start=start, practitioner=anna, booked_by=bob)
    assert error.status == 409
    # Overlapping the buffer is taken too.
    refused("slot_taken", client=bob, service=face, start=at(monday(), 11), practitioner=anna, booked_by=bob)
    assert Appointment.objects.count() == 1


def test_a_practitioner_who_does_not_perform_the_service_is_refused(alice, anna, face):
    anna.services.set([Service.objects.get(slug="consultation")])
    refused(
        "unknown_practitioner", client=alice, service=face, start=at(monday(), 10), practitioner=anna, booked_by=alice
    )


@pytest.mark.parametrize(
    ("yes", "status"),
    [({"keloid"}, "blocked"), ({"pregnancy"}, "doctor_clearance"), ({"isotretinoin"}, "blocked")],
)
def test_screening_refuses_with_its_explanation(rules, anna, face, yes, status):
    client = make_client(screened=False)
    submit_intake(client, yes)
    sign_consent(client)
    error = refused("screening", client=client, service=face, start=at(monday(), 10), booked_by=client)
    assert error.status == 403
    assert error.message  # the explanation of screening_status
    assert not Appointment.objects.exists()


def test_missing_intake_is_refused_even_when_staff_book(rules, anna, face):
    client = make_client(screened=False)
    error = refused("screening", client=client, service=face, start=at(monday(), 10), booked_by=anna.user)
    assert "questionnaire" in error.message


def test_expired_intake_is_refused(rules, anna, face):
    client = make_client(screened=False)
    submit_intake(client, at=timezone.now() - dt.timedelta(days=400))
    sign_consent(client)
    error = refused("screening", client=client, service=face, start=at(monday(), 10), booked_by=client)
    assert "renew" in error.message


def test_no_consent_is_refused(rules, anna, face):
    client = make_client(screened=False)
    submit_intake(client)
    error = refused("screening", client=client, service=face, start=at(monday(), 10), booked_by=client)
    assert "consent" in error.message


def test_under_eighteen_is_refused(alice, anna, face):
    profile = ClientProfile.objects.get(user=alice)
    profile.date_of_birth = timezone.localdate() - dt.timedelta(days=17 * 365)
    profile.save()
    error = refused("under_age", client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    assert error.status == 403


def test_no_date_of_birth_is_refused_with_a_request_to_add_it(alice, anna, face):
    ClientProfile.objects.filter(user=alice).update(date_of_birth=None)
    error = refused("age_unknown", client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    assert "date of birth" in error.message
    assert error.status == 403


def test_minimum_notice_applies_to_clients_not_staff(alice, anna, face):
    now = at(monday(), 9)
    refused("too_soon", client=alice, service=face, start=at(monday(), 10), booked_by=alice, now=now)
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=anna.user, now=now)
    assert appointment.booked_by == anna.user


def test_the_past_is_refused_even_for_staff(alice, anna, face):
    refused(
        "not_offered", client=alice, service=face, start=at(monday(), 10), booked_by=anna.user, now=at(monday(), 11)
    )


def test_beyond_the_horizon_is_refused(alice, anna, face, settings):
    settings.SPA_HORIZON_DAYS = 3
    refused("too_far", client=alice, service=face, start=at(monday(3), 10), booked_by=alice)


# --- Plans ---------------------------------------------------------------------------------


def test_a_plan_booking_records_the_plan_and_session_number(alice, anna):
    plan = make_plan(alice)
    appointment = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    assert (appointment.plan, appointment.session_number, appointment.service) == (plan, 1, plan.service)


def test_session_two_cannot_be_booked_before_its_window_opens_and_the_message_names_it(alice, anna):
    plan = make_plan(alice)
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    error = refused("outside_window", client=alice, start=at(monday(2), 10), plan=plan, booked_by=alice)
    opens = monday() + dt.timedelta(weeks=4)
    assert f"{opens:%-d %B %Y}" in error.message
    assert "Session 2" in error.message
    ok = book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    assert ok.session_number == 2


def test_staff_may_book_outside_the_window_with_a_recorded_reason(alice, anna):
    plan = make_plan(alice)
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    refused("override_reason_required", client=alice, start=at(monday(2), 10), plan=plan, booked_by=anna.user)
    appointment = book_appointment(
        client=alice, start=at(monday(2), 10), plan=plan, booked_by=anna.user, override_reason="Travelling abroad"
    )
    assert appointment.window_override_reason == "Travelling abroad"


def test_a_practitioner_below_the_plan_depth_is_never_offered(alice, anna):
    ben = PractitionerFactory(display_name="Ben", max_depth_mm=Decimal("1.00"), position=0)
    anna.position = 5
    anna.save()
    plan = make_plan(alice, depth_min="1.50")
    error = refused(
        "depth_over_limit", client=alice, start=at(monday(), 10), plan=plan, practitioner=ben, booked_by=alice
    )
    assert "Ben" in error.message
    # "Anyone" skips Ben although he comes first.
    appointment = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    assert appointment.practitioner == anna


def test_someone_elses_plan_is_refused(alice, bob, anna):
    plan = make_plan(bob)
    refused("not_your_plan", client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)


def test_a_finished_plan_cannot_be_booked(alice, anna):
    plan = make_plan(alice, sessions=1)
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    refused("plan_complete", client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)


# --- Cancel --------------------------------------------------------------------------------


def test_a_client_cancels_before_the_cutoff(alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    cancelled = cancel_appointment(appointment=appointment, by=alice)
    assert cancelled.status == Appointment.Status.CANCELLED
    assert cancelled.cancelled_by == alice
    assert not cancelled.late_cancellation
    # The time is free again.
    assert book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)


def test_after_the_cutoff_a_client_is_told_to_call_and_staff_record_a_late_cancellation(alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    late = at(monday(), 10) - dt.timedelta(hours=5)
    with pytest.raises(SchedulingError) as caught:
        cancel_appointment(appointment=appointment, by=alice, now=late)
    assert caught.value.code == "cutoff_passed"
    assert caught.value.status == 403
    assert "call the spa" in caught.value.message
    cancelled = cancel_appointment(appointment=appointment, by=anna.user, now=late)
    assert cancelled.late_cancellation
    assert cancelled.cancelled_by == anna.user


def test_bob_cannot_cancel_alices_appointment(alice, bob, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    with pytest.raises(SchedulingError) as caught:
        cancel_appointment(appointment=appointment, by=bob)
    assert caught.value.code == "not_your_appointment"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_a_cancelled_appointment_cannot_be_cancelled_again(alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    cancel_appointment(appointment=appointment, by=alice)
    with pytest.raises(SchedulingError) as caught:
        cancel_appointment(appointment=appointment, by=alice)
    assert caught.value.code == "not_active"


# --- Reschedule ----------------------------------------------------------------------------


def test_reschedule_moves_the_same_row_and_frees_the_old_time(alice, bob, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    moved = reschedule_appointment(appointment=appointment, start=at(monday(), 15), by=alice)
    assert moved.pk == appointment.pk
    assert (moved.start, moved.end) == (at(monday(), 15), at(monday(), 16))
    assert moved.blocked_until == at(monday(), 16, 15)
    assert Appointment.objects.count() == 1
    taken = book_appointment(client=bob, service=face, start=at(monday(), 10), practitioner=anna, booked_by=bob)
    assert taken.start == at(monday(), 10)


def test_reschedule_to_an_overlapping_time_of_its_own_is_allowed(alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    moved = reschedule_appointment(appointment=appointment, start=at(monday(), 10, 30), by=alice)
    assert moved.start == at(monday(), 10, 30)


def test_a_failed_reschedule_leaves_the_booking_untouched(alice, bob, anna, face):
    mine = book_appointment(client=alice, service=face, start=at(monday(), 10), practitioner=anna, booked_by=alice)
    book_appointment(client=bob, service=face, start=at(monday(), 15), practitioner=anna, booked_by=bob)
    with pytest.raises(SchedulingError) as caught:
        reschedule_appointment(appointment=mine, start=at(monday(), 15), practitioner=anna, by=alice)
    assert caught.value.code == "slot_taken"
    mine.refresh_from_db()
    assert mine.start == at(monday(), 10)
    assert mine.status == Appointment.Status.BOOKED


def test_reschedule_after_the_cutoff_is_refused_online(alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    late = at(monday(), 10) - dt.timedelta(hours=1)
    with pytest.raises(SchedulingError) as caught:
        reschedule_appointment(appointment=appointment, start=at(monday(), 15), by=alice, now=late)
    assert caught.value.code == "cutoff_passed"
    moved = reschedule_appointment(appointment=appointment, start=at(monday(), 15), by=anna.user, now=late)
    assert moved.start == at(monday(), 15)


def test_moving_a_session_later_flags_the_next_one_outside_its_window(alice, anna):
    plan = make_plan(alice)
    first = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    second = book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    with pytest.raises(SchedulingError) as caught:
        reschedule_appointment(appointment=first, start=at(monday(3), 10), by=alice)
    assert caught.value.code == "too_close_to_needling"
    assert f"up to {monday(1):%-d %B %Y}" in caught.value.message
    reschedule_appointment(appointment=first, start=at(monday(3), 10), by=anna.user, override_reason="Her wedding")
    first.refresh_from_db()
    assert first.spacing_override_reason == "Her wedding"
    second.refresh_from_db()
    # Session 2 (week 5) is now only 2 weeks after session 1: outside its 4–6 week window.
    assert second.staff_flag.startswith("Outside its window")


def test_a_session_cannot_be_moved_out_of_its_window_by_the_client(alice, anna):
    plan = make_plan(alice)
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    second = book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    with pytest.raises(SchedulingError) as caught:
        reschedule_appointment(appointment=second, start=at(monday(8), 10), by=alice)
    assert caught.value.code == "outside_window"
    moved = reschedule_appointment(appointment=second, start=at(monday(8), 10), by=anna.user, override_reason="Holiday")
    assert moved.window_override_reason == "Holiday"
