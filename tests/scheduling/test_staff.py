"""Staff commands and pages: check-in, no-show, working hours, time off, closures, booking for a
client who phones, and who may see the staff pages at all."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from scheduling.care.attendance import check_in_appointment, mark_no_show
from scheduling.care.checkin import DayOfAnswers
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Closure, Notification, TimeOff, WorkingHours
from scheduling.resources.selectors import appointments_during
from scheduling.resources.services import Interval, add_closure, add_time_off, set_working_hours
from tests.factories import PractitionerFactory, submit_intake
from tests.scheduling.staff_support import DAY, appointment, local
from treatments.models import Service

DESK_ALL_NO = {
    "day_of-pregnancy": "no",
    "day_of-infection": "no",
    "day_of-medication": "no",
    "day_of-sunburn": "no",
    "day_of-procedures": "no",
}
STAFF_PAGES = [
    ("scheduling:staff_schedule", []),
    ("scheduling:staff_week", []),
    ("scheduling:staff_book", []),
    ("scheduling:staff_hours", []),
    ("scheduling:staff_time_off", []),
    ("scheduling:staff_closures", []),
    ("scheduling:staff_dashboard", []),
]


# --- Check-in -----------------------------------------------------------------------------------


def test_check_in_marks_a_booked_appointment_on_its_day(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    done = check_in_appointment(appointment=appt, by=anna.user, answers=DayOfAnswers(), now=local(DAY, 9, 50))
    assert done.status == Appointment.Status.CHECKED_IN
    assert done.checked_in_at == local(DAY, 9, 50)
    assert appt.history.latest().history_user == anna.user


def test_check_in_is_refused_on_another_day(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    with pytest.raises(SchedulingError) as error:
        check_in_appointment(appointment=appt, by=anna.user, now=local(DAY - dt.timedelta(days=1), 10))
    assert error.value.code == "check_in_not_today"
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


@pytest.mark.parametrize("status", ["cancelled", "no_show", "checked_in", "completed"])
def test_check_in_is_refused_unless_booked(alice, anna, status):
    appt = appointment(alice, anna, local(DAY, 10), status=status)
    with pytest.raises(SchedulingError) as error:
        check_in_appointment(appointment=appt, by=anna.user, now=local(DAY, 9))
    assert error.value.code == "wrong_status"
    appt.refresh_from_db()
    assert appt.status == status


# --- No-show ------------------------------------------------------------------------------------


def test_no_show_is_refused_before_the_start(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    with pytest.raises(SchedulingError) as error:
        mark_no_show(appointment=appt, by=anna.user, now=local(DAY, 9, 59))
    assert error.value.code == "no_show_too_early"


def test_no_show_after_the_start_withdraws_pending_messages(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    pending = Notification.objects.create(
        client=alice,
        kind=Notification.Kind.REMINDER,
        due_at=local(DAY, 12),
        dedupe_key=f"appt:{appt.pk}:reminder:test",
        appointment=appt,
        subject="Reminder",
        body_text="See you",
    )
    done = mark_no_show(appointment=appt, by=anna.user, now=local(DAY, 10, 20))
    assert done.status == Appointment.Status.NO_SHOW
    pending.refresh_from_db()
    assert pending.status == Notification.Status.CANCELLED


def test_no_show_is_refused_for_a_checked_in_client(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10), status=Appointment.Status.CHECKED_IN)
    with pytest.raises(SchedulingError) as error:
        mark_no_show(appointment=appt, by=anna.user, now=local(DAY, 11))
    assert error.value.code == "wrong_status"


# --- Working hours, time off, closures -----------------------------------------------------------


def test_working_hours_replace_the_whole_week(anna):
    rows = set_working_hours(
        practitioner=anna,
        intervals=[Interval(0, dt.time(10), dt.time(12)), Interval(0, dt.time(13), dt.time(17))],
        by=anna.user,
    )
    assert len(rows) == 2
    assert list(WorkingHours.objects.filter(practitioner=anna).values_list("weekday", "start_time")) == [
        (0, dt.time(10)),
        (0, dt.time(13)),
    ]


def test_overlapping_working_hours_are_refused_and_nothing_changes(anna):
    before = WorkingHours.objects.filter(practitioner=anna).count()
    with pytest.raises(SchedulingError) as error:
        set_working_hours(
            practitioner=anna,
            intervals=[Interval(1, dt.time(9), dt.time(13)), Interval(1, dt.time(12), dt.time(18))],
            by=anna.user,
        )
    assert error.value.code == "hours_overlap"
    assert "Tuesday" in error.value.message
    assert WorkingHours.objects.filter(practitioner=anna).count() == before


def test_reversed_time_off_is_refused(anna):
    with pytest.raises(SchedulingError) as error:
        add_time_off(practitioner=anna, start=local(DAY, 12), end=local(DAY, 10), by=anna.user, now=local(DAY, 8))
    assert error.value.field == "end"
    assert not TimeOff.objects.exists()


def test_time_off_lists_the_bookings_it_covers(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    off = add_time_off(
        practitioner=anna, start=local(DAY, 9), end=local(DAY, 13), reason="Dentist", by=anna.user, now=local(DAY, 8)
    )
    assert list(appointments_during(practitioner=anna, start=off.start, end=off.end)) == [appt]


def test_reversed_closure_is_refused(owner):
    with pytest.raises(SchedulingError):
        add_closure(start_date=DAY, end_date=DAY - dt.timedelta(days=1), reason="Holiday", by=owner)
    assert not Closure.objects.exists()


# --- Who may see the staff pages ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, rules, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_clients_get_403_on_staff_pages(client, alice, name, args):
    client.force_login(alice)
    assert client.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), STAFF_PAGES)
def test_staff_see_the_staff_pages(client, anna, owner, name, args):
    client.force_login(owner)  # the owner's role reaches every staff page (tests/test_roles.py: the others)
    assert client.get(reverse(name, args=args)).status_code == 200


def test_clients_cannot_open_or_act_on_an_appointment_as_staff(client, alice, bob, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    for person in (alice, bob):
        client.force_login(person)
        assert client.get(reverse("scheduling:staff_appointment", args=[appt.pk])).status_code == 403
        for name in ("staff_check_in", "staff_no_show", "staff_cancel"):
            assert client.post(reverse(f"scheduling:{name}", args=[appt.pk])).status_code == 403
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


# --- Pages ------------------------------------------------------------------------------------------


def test_check_in_button_checks_in_with_a_message(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    with time_machine.travel(local(DAY, 9, 55), tick=False):
        client.force_login(anna.user)
        page = client.get(reverse("scheduling:staff_appointment", args=[appt.pk]))
        assert "Check in" in page.text
        response = client.post(reverse("scheduling:staff_check_in", args=[appt.pk]), DESK_ALL_NO, follow=True)
    assert "Alice Archer is checked in." in response.text
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CHECKED_IN


def test_early_no_show_shows_the_refusal_and_changes_nothing(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    with time_machine.travel(local(DAY, 9), tick=False):
        client.force_login(anna.user)
        response = client.post(reverse("scheduling:staff_no_show", args=[appt.pk]), follow=True)
    assert "only after the appointment&#x27;s start" in response.text
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_appointment_page_shows_screening_flags_and_history(client, alice, anna):
    submit_intake(alice, {"diabetes"})
    appt = appointment(alice, anna, local(DAY, 10), staff_flag="Ask about the new cream")
    client.force_login(anna.user)
    page = client.get(reverse("scheduling:staff_appointment", args=[appt.pk])).text
    assert "Diabetes" in page
    assert "Ask about the new cream" in page
    assert "History" in page
    assert "Room 1" in page


def test_staff_cancel_records_a_late_cancellation(client, alice, anna, desk):
    appt = appointment(alice, anna, local(DAY, 10))
    with time_machine.travel(local(DAY, 8), tick=False):
        client.force_login(desk)
        response = client.post(reverse("scheduling:staff_cancel", args=[appt.pk]), follow=True)
    assert "late cancellation" in response.text
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CANCELLED
    assert appt.late_cancellation


def test_staff_book_finds_a_client_and_books_a_listed_slot(client, alice, bob, anna, desk):
    with time_machine.travel(local(DAY - dt.timedelta(days=2), 12), tick=False):
        client.force_login(desk)
        found = client.get(reverse("scheduling:staff_book"), {"q": "archer"}).text
        assert "Alice Archer" in found
        assert "Bob Baker" not in found
        service_id = Service.objects.get(slug="microneedling-face").pk
        listing = client.get(
            reverse("scheduling:staff_book"), {"client": alice.pk, "service": service_id, "day": DAY.isoformat()}
        )
        slots = listing.context["slots"]
        assert slots
        chosen = next(s for s in slots if s["start"].hour == 11)
        response = client.post(
            reverse("scheduling:staff_book"),
            {"client": alice.pk, "service": service_id, "day": DAY.isoformat(), "slot": chosen["value"]},
            follow=True,
        )
    booked = Appointment.objects.get()
    assert booked.client == alice
    assert booked.booked_by == desk
    assert booked.start == local(DAY, 11)
    assert "Booked" in response.text


def test_staff_book_of_a_taken_slot_is_a_form_error(client, alice, bob, anna, desk):
    appointment(bob, anna, local(DAY, 11))
    service = Service.objects.get(slug="microneedling-face")
    with time_machine.travel(local(DAY - dt.timedelta(days=2), 12), tick=False):
        client.force_login(desk)
        response = client.post(
            reverse("scheduling:staff_book"),
            {
                "client": alice.pk,
                "service": service.pk,
                "day": DAY.isoformat(),
                "slot": f"{local(DAY, 11).isoformat()}|{anna.pk}",
            },
        )
    assert response.status_code == 200
    assert response.context["booking"].errors
    assert Appointment.objects.filter(client=alice).count() == 0


def test_hours_page_saves_intervals_and_refuses_overlaps(client, anna, desk):
    client.force_login(desk)
    url = reverse("scheduling:staff_hours")
    base = {"practitioner": anna.pk, "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0"}
    overlapping = {
        **base,
        "form-0-weekday": "2",
        "form-0-start_time": "09:00",
        "form-0-end_time": "13:00",
        "form-1-weekday": "2",
        "form-1-start_time": "12:30",
        "form-1-end_time": "17:00",
    }
    before = WorkingHours.objects.filter(practitioner=anna).count()
    response = client.post(url, overlapping)
    assert response.status_code == 200
    assert "overlap" in response.text
    assert WorkingHours.objects.filter(practitioner=anna).count() == before
    fine = {**overlapping, "form-1-start_time": "14:00"}
    response = client.post(url, fine, follow=True)
    assert "Working hours of Anna saved (2 intervals)." in response.text
    assert WorkingHours.objects.filter(practitioner=anna).count() == 2


def test_hours_page_refuses_a_reversed_interval_as_a_form_error(client, anna, desk):
    client.force_login(desk)
    response = client.post(
        reverse("scheduling:staff_hours"),
        {
            "practitioner": anna.pk,
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "0",
            "form-0-weekday": "0",
            "form-0-start_time": "13:00",
            "form-0-end_time": "09:00",
        },
    )
    assert "Must be after the start." in response.text


def test_time_off_page_adds_warns_and_removes(client, alice, anna):
    clash = appointment(alice, anna, local(DAY, 10))
    with time_machine.travel(local(DAY - dt.timedelta(days=1), 12), tick=False):
        client.force_login(anna.user)
        response = client.post(
            reverse("scheduling:staff_time_off"),
            {"practitioner": anna.pk, "start": f"{DAY}T09:00", "end": f"{DAY}T18:00", "reason": "Course"},
            follow=True,
        )
        assert "Time off added for Anna." in response.text
        assert "1 booked appointment(s) fall in this time off" in response.text
        assert f'<a href="{reverse("scheduling:staff_appointment", args=[clash.pk])}">' in response.text
        off = TimeOff.objects.get()
        assert off.start == local(DAY, 9)
        response = client.post(reverse("scheduling:staff_time_off_delete", args=[off.pk]), follow=True)
    assert "removed" in response.text
    assert not TimeOff.objects.exists()


def test_time_off_page_shows_a_reversed_range_as_a_form_error(client, anna):
    client.force_login(anna.user)
    response = client.post(
        reverse("scheduling:staff_time_off"),
        {"practitioner": anna.pk, "start": f"{DAY}T12:00", "end": f"{DAY}T09:00"},
    )
    assert "Time off must end after it starts." in response.text
    assert not TimeOff.objects.exists()


def test_closures_page_adds_and_removes(client, anna, desk):
    with time_machine.travel(local(DAY - dt.timedelta(days=1), 12), tick=False):
        client.force_login(desk)
        response = client.post(
            reverse("scheduling:staff_closures"),
            {"start_date": DAY.isoformat(), "end_date": (DAY + dt.timedelta(days=1)).isoformat(), "reason": "Refit"},
            follow=True,
        )
        assert "The spa is closed" in response.text
        closure = Closure.objects.get()
        assert "Refit" in response.text
        client.post(reverse("scheduling:staff_closure_delete", args=[closure.pk]))
    assert not Closure.objects.exists()


def test_closure_without_a_reason_is_a_form_error(client, anna, desk):
    client.force_login(desk)
    response = client.post(
        reverse("scheduling:staff_closures"), {"start_date": DAY.isoformat(), "end_date": DAY.isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not Closure.objects.exists()


def test_any_staff_member_may_edit_another_practitioners_hours(client, anna, desk):
    ben = PractitionerFactory(user__email="ben@example.com", user__first_name="Ben", display_name="Ben")
    client.force_login(desk)
    page = client.get(reverse("scheduling:staff_hours"), {"practitioner": ben.pk})
    assert page.context["practitioner"] == ben
    assert client.get(reverse("scheduling:staff_hours"), {"practitioner": 999999}).status_code == 404


def test_appointment_page_links_to_recording_the_session_once_checked_in(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    record_url = reverse("scheduling:record_session", args=[appt.pk])
    with time_machine.travel(local(DAY, 9, 50), tick=False):
        client.force_login(anna.user)
        assert record_url not in client.get(reverse("scheduling:staff_appointment", args=[appt.pk])).text
        check_in_appointment(appointment=appt, by=anna.user, answers=DayOfAnswers())
    with time_machine.travel(local(DAY, 10, 5), tick=False):
        client.force_login(anna.user)
        assert record_url in client.get(reverse("scheduling:staff_appointment", args=[appt.pk])).text


def test_staff_reschedule_lists_free_times_and_moves_the_appointment(client, alice, anna, desk):
    appt = appointment(alice, anna, local(DAY, 10))
    url = reverse("scheduling:staff_reschedule", args=[appt.pk])
    other_day = DAY + dt.timedelta(days=1)
    with time_machine.travel(local(DAY - dt.timedelta(days=1), 12), tick=False):
        client.force_login(desk)
        page = client.get(url, {"day": other_day.isoformat()})
        chosen = next(s for s in page.context["slots"] if s["start"] == local(other_day, 15))
        response = client.post(url + f"?day={other_day}", {"slot": chosen["value"]}, follow=True)
    assert "Moved to Thursday 4 March at 15:00 with Anna." in response.text
    appt.refresh_from_db()
    assert appt.start == local(other_day, 15)


def test_staff_reschedule_to_a_bad_slot_is_a_form_error(client, alice, bob, anna, desk):
    appt = appointment(alice, anna, local(DAY, 10))
    appointment(bob, anna, local(DAY, 15))
    url = reverse("scheduling:staff_reschedule", args=[appt.pk])
    with time_machine.travel(local(DAY - dt.timedelta(days=1), 12), tick=False):
        client.force_login(desk)
        taken = client.post(url, {"slot": f"{local(DAY, 15).isoformat()}|{anna.pk}"})
        garbage = client.post(url, {"slot": "next tuesday"})
    assert taken.status_code == 200
    assert taken.context["form"].non_field_errors()
    assert "Pick one of the free times shown." in garbage.text
    appt.refresh_from_db()
    assert appt.start == local(DAY, 10)


def test_clients_cannot_reschedule_or_remove_time_off_and_closures(client, alice, anna):
    appt = appointment(alice, anna, local(DAY, 10))
    off = TimeOff.objects.create(practitioner=anna, start=local(DAY, 14), end=local(DAY, 15))
    closure = Closure.objects.create(start_date=DAY, end_date=DAY, reason="Refit")
    client.force_login(alice)
    assert client.get(reverse("scheduling:staff_reschedule", args=[appt.pk])).status_code == 403
    assert client.post(reverse("scheduling:staff_time_off_delete", args=[off.pk])).status_code == 403
    assert client.post(reverse("scheduling:staff_closure_delete", args=[closure.pk])).status_code == 403
    client.logout()
    response = client.post(reverse("scheduling:staff_closure_delete", args=[closure.pk]))
    assert response["Location"].startswith(reverse("login"))
    assert TimeOff.objects.filter(pk=off.pk).exists()
    assert Closure.objects.filter(pk=closure.pk).exists()


def test_staff_book_shows_only_times_her_skin_allows_unless_asked(client, alice, anna, desk):
    """A needling of her face a week before: the desk's list leaves out the day (4 weeks' rest)
    and says how many it hid; asked for every time, it lists them, and booking one needs a reason."""
    face = Service.objects.get(slug="microneedling-face")
    appointment(alice, anna, local(DAY - dt.timedelta(days=7), 10), service=face)
    query = {"client": alice.pk, "service": face.pk, "day": DAY.isoformat()}
    with time_machine.travel(local(DAY - dt.timedelta(days=2), 12), tick=False):
        client.force_login(desk)
        listed = client.get(reverse("scheduling:staff_book"), query)
        everything = client.get(reverse("scheduling:staff_book"), {**query, "every_time": "on"})
        slot = everything.context["slots"][0]["value"]
        refused = client.post(reverse("scheduling:staff_book"), {**query, "slot": slot})
        after_refusal = Appointment.objects.filter(client=alice).count()
        booked = client.post(
            reverse("scheduling:staff_book"),
            {**query, "slot": slot, "override_reason": "Her dermatologist asked for a touch-up this week."},
        )
    assert listed.context["slots"] == []
    assert listed.context["hidden_times"] == len(everything.context["slots"]) > 0
    assert "not shown: her skin rests" in listed.text
    assert everything.context["hidden_times"] == 0
    assert refused.status_code == 200
    assert "4 weeks to heal" in refused.text  # the refusal is on the page, not a silent re-render
    assert after_refusal == 1
    assert booked.status_code == 302
    assert Appointment.objects.filter(client=alice).count() == 2
    assert Appointment.objects.get(client=alice, start__date__gte=DAY).spacing_override_reason
