"""The outbox rows each trigger writes: booking, reschedule, cancel, no-show, flag, session."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from clients.models import ClientProfile
from scheduling.models import Appointment, Notification, PlanSession
from scheduling.notifications import dispatch, outbox
from tests.factories import AppointmentFactory
from tests.scheduling.plans_support import deep_acne_plan, local, move, session
from treatments.models import CareStep, MessageTemplate, ReminderRule

Kind = Notification.Kind
Status = Notification.Status


def rows(**filters: object) -> dict[str, Notification]:
    return {n.dedupe_key: n for n in Notification.objects.filter(**filters)}


def set_profile(user, **fields: object) -> None:
    profile = ClientProfile.objects.get(user=user)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    user.client_profile = profile


def book(client, practitioner, start: dt.datetime, **fields: object) -> Appointment:
    appointment = AppointmentFactory(client=client, practitioner=practitioner, start=start, **fields)
    outbox.appointment_booked(appointment=appointment)
    return appointment


def record(plan, appointment: Appointment, practitioner) -> PlanSession:
    appointment.status = Appointment.Status.COMPLETED
    appointment.save()
    return PlanSession.objects.create(
        plan=plan,
        number=appointment.session_number,
        appointment=appointment,
        depth_used_mm=Decimal("1.50"),
        recorded_by=practitioner.user,
    )


def test_a_booking_queues_confirmation_reminders_and_pre_care_at_local_times_across_a_dst_change(alice, anna):
    # Clocks go back on Sunday 25 October 2026 (BST → GMT). Booked on 20 October (BST) for
    # Monday 26 October 10:00 GMT.
    with time_machine.travel(local(2026, 10, 20, 12), tick=False):
        appointment = book(alice, anna, local(2026, 10, 26, 10))
    made = rows(appointment=appointment)
    pk = appointment.pk
    assert set(made) == {
        f"appt:{pk}:booking_confirmation",
        f"appt:{pk}:reminder:48h",
        f"appt:{pk}:reminder:2h",
        f"appt:{pk}:pre_care:-5d",
        f"appt:{pk}:pre_care:-1d",
    }
    assert made[f"appt:{pk}:booking_confirmation"].due_at == local(2026, 10, 20, 12)
    # Reminders are instants: 48 h before 10:00 GMT Monday is 11:00 BST Saturday.
    assert made[f"appt:{pk}:reminder:48h"].due_at == dt.datetime(2026, 10, 24, 10, tzinfo=dt.UTC)
    assert made[f"appt:{pk}:reminder:48h"].due_at == local(2026, 10, 24, 11)
    assert made[f"appt:{pk}:reminder:2h"].due_at == local(2026, 10, 26, 8)
    # Care steps are local dates at their local send time (10:00), whatever the offset that day.
    assert made[f"appt:{pk}:pre_care:-5d"].due_at == local(2026, 10, 21, 10)  # BST: 09:00 UTC
    assert made[f"appt:{pk}:pre_care:-1d"].due_at == local(2026, 10, 25, 10)  # GMT: 10:00 UTC
    assert made[f"appt:{pk}:pre_care:-5d"].due_at == dt.datetime(2026, 10, 21, 9, tzinfo=dt.UTC)
    assert all(n.status == Status.PENDING and n.client == alice and n.channel == "email" for n in made.values())


def test_the_48h_reminder_links_the_pre_visit_check_and_lists_pre_care(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 8, 11))
    reminder = Notification.objects.get(dedupe_key=f"appt:{appointment.pk}:reminder:48h")
    assert f"/appointments/{appointment.pk}/pre-visit-check/" in reminder.body_text
    assert f"/appointments/{appointment.pk}/pre-visit-check/" in reminder.body_html
    assert "Getting ready" in reminder.body_text and "Stop retinoids" in reminder.body_text
    # One heading, the advice under it: no "Getting ready: - Getting ready:", no "Tomorrow's
    # session" two days ahead (those titles are the subjects of the pre-care messages themselves).
    assert reminder.body_text.count("Getting ready") == 1
    assert "Tomorrow" not in reminder.body_text and "Tomorrow" not in reminder.body_html
    short = Notification.objects.get(dedupe_key=f"appt:{appointment.pk}:reminder:2h")
    assert "pre-visit-check" not in short.body_text
    assert "Tuesday 8 December at 11:00" in reminder.body_text


def test_messages_already_in_the_past_are_skipped_at_booking(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 2, 12))  # 27 hours ahead
    kinds = sorted(key.split(":", 2)[2] for key in rows(appointment=appointment))
    assert kinds == ["booking_confirmation", "pre_care:-1d", "reminder:2h"]


def test_booking_twice_creates_nothing_new(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
        before = Notification.objects.count()
        assert outbox.appointment_booked(appointment=appointment) == []
    assert Notification.objects.count() == before == 5


def test_inactive_rules_send_nothing(alice, anna):
    ReminderRule.objects.filter(hours_before=2).update(active=False)
    CareStep.objects.filter(kind=CareStep.Kind.PRE_CARE).update(active=False)
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
    assert sorted(n.kind for n in rows(appointment=appointment).values()) == ["booking_confirmation", "reminder"]


def test_sms_is_used_when_she_prefers_it_and_has_a_phone(alice, bob, anna):
    set_profile(alice, preferred_channel="sms")
    set_profile(bob, preferred_channel="sms", phone="")
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        hers = book(alice, anna, local(2026, 12, 9, 10))
        his = book(bob, anna, local(2026, 12, 9, 14))
    confirmation = Notification.objects.get(appointment=hers, kind=Kind.BOOKING_CONFIRMATION)
    assert confirmation.channel == "sms"
    assert confirmation.body_html == "" and len(confirmation.body_text) < 200
    assert Notification.objects.get(appointment=his, kind=Kind.BOOKING_CONFIRMATION).channel == "email"


def test_a_reschedule_moves_pending_rows_in_place_and_does_not_resend_the_confirmation(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
        dispatch.dispatch_due_notifications()  # the confirmation goes out
    before = rows(appointment=appointment)
    with time_machine.travel(local(2026, 12, 2, 9), tick=False):
        previous = appointment.start
        move(appointment, local(2026, 12, 15, 14))
        outbox.appointment_rescheduled(appointment=appointment, previous_start=previous)
    after = rows(appointment=appointment)
    pk = appointment.pk
    reminder = after[f"appt:{pk}:reminder:48h"]
    assert reminder.pk == before[f"appt:{pk}:reminder:48h"].pk  # updated in place
    assert reminder.due_at == local(2026, 12, 13, 14)
    assert "Tuesday 15 December at 14:00" in reminder.body_text
    assert after[f"appt:{pk}:pre_care:-1d"].due_at == local(2026, 12, 14, 10)
    assert after[f"appt:{pk}:booking_confirmation"].status == Status.SENT
    assert [n.kind for n in after.values()].count(Kind.BOOKING_CONFIRMATION) == 1
    notice = [n for n in after.values() if n.kind == Kind.RESCHEDULED]
    assert len(notice) == 1 and notice[0].due_at == local(2026, 12, 2, 9)
    assert "Wednesday 9 December at 10:00" in notice[0].body_text and "Tuesday 15 December" in notice[0].body_text


def test_a_reschedule_reissues_a_reminder_already_sent_and_withdraws_one_now_past(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 3, 10))
    with time_machine.travel(local(2026, 12, 1, 10, 30), tick=False):
        dispatch.dispatch_due_notifications()  # confirmation and the 48 h reminder are sent
    pk = appointment.pk
    assert Notification.objects.get(dedupe_key=f"appt:{pk}:reminder:48h").status == Status.SENT
    with time_machine.travel(local(2026, 12, 1, 11), tick=False):
        previous = appointment.start
        move(appointment, local(2026, 12, 10, 10))
        outbox.appointment_rescheduled(appointment=appointment, previous_start=previous)
        again = outbox.appointment_rescheduled(appointment=appointment, previous_start=previous)
    assert again == []  # idempotent
    reissued = Notification.objects.get(dedupe_key=f"appt:{pk}:reminder:48h@{int(appointment.start.timestamp())}")
    assert reissued.status == Status.PENDING and reissued.due_at == local(2026, 12, 8, 10)
    # Rescheduled to much sooner: the 48 h reminder's time has passed, it is withdrawn.
    with time_machine.travel(local(2026, 12, 9, 9), tick=False):
        previous = appointment.start
        move(appointment, local(2026, 12, 9, 15))
        outbox.appointment_rescheduled(appointment=appointment, previous_start=previous)
    reissued.refresh_from_db()
    assert reissued.status == Status.CANCELLED and "passed" in reissued.last_error
    assert Notification.objects.get(dedupe_key=f"appt:{pk}:reminder:2h").due_at == local(2026, 12, 9, 13)


def test_a_cancellation_withdraws_pending_rows_and_queues_a_notice(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
        dispatch.dispatch_due_notifications()
        appointment.status = Appointment.Status.CANCELLED
        appointment.save()
        outbox.appointment_cancelled(appointment=appointment)
        outbox.appointment_cancelled(appointment=appointment)
    made = rows(appointment=appointment)
    statuses = {key.split(":", 2)[2]: n.status for key, n in made.items()}
    assert statuses == {
        "booking_confirmation": Status.SENT,
        "reminder:48h": Status.CANCELLED,
        "reminder:2h": Status.CANCELLED,
        "pre_care:-5d": Status.CANCELLED,
        "pre_care:-1d": Status.CANCELLED,
        "cancellation": Status.PENDING,
    }
    assert made[f"appt:{appointment.pk}:reminder:48h"].last_error == "Withdrawn: the appointment was cancelled."


def test_a_no_show_withdraws_what_is_pending_without_a_notice(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
    assert outbox.appointment_no_show(appointment=appointment) == 5
    assert set(Notification.objects.filter(appointment=appointment).values_list("status", flat=True)) == {
        Status.CANCELLED
    }


def test_a_flag_tells_her_the_spa_will_call(alice, anna):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
        outbox.appointment_flagged(appointment=appointment)
        outbox.appointment_flagged(appointment=appointment)
    notice = Notification.objects.get(appointment=appointment, kind=Kind.STAFF_FLAG)
    assert "we will contact you" in notice.body_text


def test_a_completed_session_queues_aftercare_results_check_and_window_prompts(alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 12, 1, 10), anna)
    with time_machine.travel(local(2026, 12, 1, 11, 30), tick=False):
        done = record(plan, first, anna)
        outbox.session_completed(session=done)
        assert outbox.session_completed(session=done) == []
    made = rows(client=alice)
    pk = done.pk
    assert made[f"session:{pk}:aftercare:+0"].due_at == local(2026, 12, 1, 11, 30)
    assert made[f"session:{pk}:aftercare:+1"].due_at == local(2026, 12, 2, 9)
    assert made[f"session:{pk}:aftercare:+3"].due_at == local(2026, 12, 4, 9)
    check = made[f"session:{pk}:results_check:+7"]
    assert check.due_at == local(2026, 12, 8, 10)
    assert f"http://127.0.0.1:8000/me/sessions/{pk}/rate/" in check.body_text
    assert f"/me/sessions/{pk}/rate/" in check.body_html
    assert f"session:{pk}:tip:+14" not in made  # no opt-in, no tips
    # Window of session 2: 1 December + 4 to 6 weeks = 29 December to 12 January.
    assert made[f"plan:{plan.pk}:rebook:2"].due_at == local(2026, 12, 29, 10)
    assert made[f"plan:{plan.pk}:window_closing:2"].due_at == local(2027, 1, 9, 10)
    assert "colostrum" in made[f"session:{pk}:aftercare:+0"].body_text


def test_tips_follow_her_opt_in(alice, anna):
    set_profile(alice, marketing_opt_in=True)
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 12, 1, 10), anna)
    with time_machine.travel(local(2026, 12, 1, 11), tick=False):
        done = record(plan, first, anna)
        outbox.session_completed(session=done)
    tip = Notification.objects.get(dedupe_key=f"session:{done.pk}:tip:+14")
    assert tip.due_at == local(2026, 12, 15, 10)


def test_the_rebook_prompt_is_skipped_when_the_next_session_is_booked(alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 12, 1, 10), anna)
    with time_machine.travel(local(2026, 12, 1, 11), tick=False):
        outbox.session_completed(session=record(plan, first, anna))
    session(plan, 2, local(2027, 1, 5, 10), anna)
    with time_machine.travel(local(2026, 12, 29, 10, 1), tick=False):
        dispatch.dispatch_due_notifications()
    prompt = Notification.objects.get(dedupe_key=f"plan:{plan.pk}:rebook:2")
    assert prompt.status == Status.CANCELLED
    assert prompt.last_error == "Skipped: session 2 is already booked."
    assert prompt.sent_at is None


def test_the_window_warning_is_sent_when_nothing_is_booked(alice, anna, mailoutbox):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 12, 1, 10), anna)
    with time_machine.travel(local(2026, 12, 1, 11), tick=False):
        outbox.session_completed(session=record(plan, first, anna))
    with time_machine.travel(local(2027, 1, 9, 10, 1), tick=False):
        dispatch.dispatch_due_notifications()
    warning = Notification.objects.get(dedupe_key=f"plan:{plan.pk}:window_closing:2")
    assert warning.status == Status.SENT
    assert any("closes on Tuesday 12 January" in m.subject for m in mailoutbox)


def test_a_session_recorded_days_late_skips_steps_already_past(alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 12, 1, 10), anna)
    with time_machine.travel(local(2026, 12, 5, 12), tick=False):
        done = record(plan, first, anna)
        outbox.session_completed(session=done)
    kinds = sorted(k.split(":", 2)[2] for k in rows(client=alice) if k.startswith("session:"))
    assert kinds == ["aftercare:+0", "results_check:+7"]


def test_the_admins_wording_replaces_the_built_in_text(alice, anna):
    MessageTemplate.objects.create(
        kind="booking_confirmation",
        subject="See you {{ when }}, {{ client_name }}!",
        body="Your {{ service_name }} is confirmed. Parking is behind the building.",
        sms="{{ spa_name }}: {{ when_short }} confirmed",
    )
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
    row = Notification.objects.get(appointment=appointment, kind=Kind.BOOKING_CONFIRMATION)
    assert row.subject == "See you Wednesday 9 December at 10:00, Alice!"
    assert row.body_text.startswith("Hello Alice,\n\nYour Microneedling: face is confirmed. Parking")
    assert "<p>Your Microneedling: face is confirmed." in row.body_html and "#2f6f6a" in row.body_html
    reminder = Notification.objects.get(appointment=appointment, dedupe_key__endswith="reminder:48h")
    assert reminder.subject.startswith("Reminder:")  # other kinds keep the built-in text


def test_a_broken_admin_template_falls_back_to_the_built_in_text(alice, anna):
    MessageTemplate.objects.create(kind="booking_confirmation", subject="{% if %}", body="x")
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
    row = Notification.objects.get(appointment=appointment, kind=Kind.BOOKING_CONFIRMATION)
    assert row.subject == "Booked: Microneedling: face on Wednesday 9 December at 10:00"


def test_booking_the_next_session_withdraws_its_prompts_and_cancelling_it_brings_them_back(alice, anna):
    plan = deep_acne_plan(alice)
    first = session(plan, 1, local(2026, 12, 1, 10), anna)
    with time_machine.travel(local(2026, 12, 1, 11), tick=False):
        outbox.session_completed(session=record(plan, first, anna))
    keys = [f"plan:{plan.pk}:rebook:2", f"plan:{plan.pk}:window_closing:2"]
    with time_machine.travel(local(2026, 12, 2, 9), tick=False):
        second = book(alice, anna, local(2027, 1, 5, 10), plan=plan, session_number=2)
        assert set(Notification.objects.filter(dedupe_key__in=keys).values_list("status", flat=True)) == {
            Status.CANCELLED
        }
        second.status = Appointment.Status.CANCELLED
        second.save()
        outbox.appointment_cancelled(appointment=second)
    assert set(Notification.objects.filter(dedupe_key__in=keys).values_list("status", flat=True)) == {Status.PENDING}
