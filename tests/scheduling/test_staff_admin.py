"""The owner's admin for scheduling: hours inline validated by the staff rule, appointment list
filters and actions through the services, resending failed messages."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from scheduling.care.checkin import DayOfAnswers, record_day_of_answers
from scheduling.models import Appointment, Notification, WorkingHours
from tests.scheduling.staff_support import DAY, appointment, local


def _practitioner_form(anna, rows: list[tuple[int, str, str]]) -> dict[str, str]:
    data = {
        "user": str(anna.user_id),
        "display_name": "Anna",
        "max_depth_mm": "2.00",
        "position": "0",
        "active": "on",
        "services": [str(s.pk) for s in anna.services.all()],
        "working_hours-TOTAL_FORMS": str(len(rows)),
        "working_hours-INITIAL_FORMS": "0",
        "time_off-TOTAL_FORMS": "0",
        "time_off-INITIAL_FORMS": "0",
    }
    for i, (weekday, start, end) in enumerate(rows):
        data[f"working_hours-{i}-weekday"] = str(weekday)
        data[f"working_hours-{i}-start_time"] = start
        data[f"working_hours-{i}-end_time"] = end
    return data


def test_overlapping_hours_in_the_admin_are_refused_with_a_message(client, owner, anna):
    WorkingHours.objects.filter(practitioner=anna).delete()
    client.force_login(owner)
    url = reverse("admin:scheduling_practitioner_change", args=[anna.pk])
    response = client.post(url, _practitioner_form(anna, [(0, "09:00", "13:00"), (0, "12:00", "17:00")]))
    assert response.status_code == 200
    assert "Monday: 09:00–13:00 and 12:00–17:00 overlap." in response.text
    assert not WorkingHours.objects.filter(practitioner=anna).exists()
    response = client.post(url, _practitioner_form(anna, [(0, "09:00", "13:00"), (0, "14:00", "17:00")]))
    assert response.status_code == 302
    assert WorkingHours.objects.filter(practitioner=anna).count() == 2


def test_appointment_list_filters_and_actions_use_the_services(client, owner, alice, bob, anna):
    a = appointment(alice, anna, local(DAY, 10))
    b = appointment(bob, anna, local(DAY, 14), status=Appointment.Status.CANCELLED)
    # She answered the day-of questions in her pre-visit check: check-in needs them.
    record_day_of_answers(appointment=a, answers=DayOfAnswers(), source="pre_visit", by=alice, now=local(DAY, 8))
    client.force_login(owner)
    url = reverse("admin:scheduling_appointment_changelist")
    listing = client.get(url, {"status__exact": "booked"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [a]
    with time_machine.travel(local(DAY, 9, 45), tick=False):
        client.force_login(owner)
        response = client.post(url, {"action": "check_in", "_selected_action": [a.pk, b.pk], "index": "0"}, follow=True)
    assert "1 client(s) checked in." in response.text
    assert "This appointment is cancelled." in response.text
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("checked_in", "cancelled")


def test_appointments_cannot_be_added_or_retimed_in_the_admin(client, owner, alice, anna):
    a = appointment(alice, anna, local(DAY, 10))
    client.force_login(owner)
    assert client.get(reverse("admin:scheduling_appointment_add")).status_code == 403
    page = client.get(reverse("admin:scheduling_appointment_change", args=[a.pk]))
    assert page.status_code == 200
    assert "start" not in page.context["adminform"].form.fields


@pytest.fixture
def failed(alice) -> Notification:
    return Notification.objects.create(
        client=alice,
        kind=Notification.Kind.REMINDER,
        due_at=local(DAY, 8),
        dedupe_key="test:failed",
        subject="Reminder",
        body_text="See you",
        status=Notification.Status.FAILED,
        attempts=5,
        last_error="SMTP down",
    )


def test_resend_failed_puts_failed_messages_back_and_skips_the_rest(client, owner, alice, failed):
    sent = Notification.objects.create(
        client=alice,
        kind=Notification.Kind.REMINDER,
        due_at=local(DAY, 8),
        dedupe_key="test:sent",
        subject="Reminder",
        body_text="See you",
        status=Notification.Status.SENT,
    )
    client.force_login(owner)
    response = client.post(
        reverse("admin:scheduling_notification_changelist"),
        {"action": "resend_failed", "_selected_action": [failed.pk, sent.pk], "index": "0"},
        follow=True,
    )
    assert "1 message(s) queued to send again." in response.text
    assert "1 message(s) skipped" in response.text
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert sent.status == "sent"


def test_staff_who_are_not_superusers_get_no_admin(client, anna):
    client.force_login(anna.user)
    response = client.get(reverse("admin:scheduling_appointment_changelist"))
    assert response.status_code in (302, 403)
