"""Sending the outbox: claims, exactly-once, reclaiming stuck rows, retries, quiet hours, tasks."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from scheduling.errors import SchedulingError
from scheduling.models import Notification
from scheduling.notifications import dispatch, outbox, tasks
from spa.celery import app as celery_app
from spa.lib.sms import LocmemSMSBackend
from tests.factories import AppointmentFactory
from tests.scheduling.plans_support import local
from tests.scheduling.test_outbox import book, set_profile

Status = Notification.Status


class BrokenSMS:
    """A gateway that is down."""

    calls: ClassVar[int] = 0

    def send(self, *, to: str, body: str) -> None:
        BrokenSMS.calls += 1
        raise ConnectionError("gateway unreachable")


@pytest.fixture(autouse=True)
def _clean_sms():
    LocmemSMSBackend.outbox.clear()
    BrokenSMS.calls = 0
    yield
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def eager(monkeypatch):
    """Celery runs tasks in-process (only for the on-commit kick; nothing time-based)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


def make_row(client, *, due_at: dt.datetime, channel: str = "email", key: str = "test:1", **fields: object):
    return Notification.objects.create(
        client=client,
        kind=fields.pop("kind", Notification.Kind.TIP),
        channel=channel,
        due_at=due_at,
        dedupe_key=key,
        subject=fields.pop("subject", "Between sessions"),
        body_text="Sun protection every day.",
        body_html="<p>Sun protection every day.</p>",
        **fields,
    )


def test_dispatching_twice_sends_each_due_row_once(alice, anna, mailoutbox):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
        first = dispatch.dispatch_due_notifications()
        second = dispatch.dispatch_due_notifications()
    assert first.claimed == 1 and first.sent == 1
    assert second.claimed == 0 and second.sent == 0
    assert len(mailoutbox) == 1
    confirmation = Notification.objects.get(appointment=appointment, kind="booking_confirmation")
    assert confirmation.status == Status.SENT and confirmation.attempts == 1
    assert confirmation.sent_at == local(2026, 12, 1, 9)
    assert Notification.objects.filter(status=Status.PENDING).count() == 4  # not due yet


def test_a_confirmation_email_has_html_text_the_ics_and_a_stable_message_id(alice, anna, mailoutbox):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
        dispatch.dispatch_due_notifications()
    message = mailoutbox[0]
    assert message.to == ["alice@example.com"]
    assert message.subject == "Booked: Microneedling: face on Wednesday 9 December at 10:00"
    assert "Wednesday 9 December at 10:00" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "#2f6f6a" in html and "Lumen Skin Studio" in html
    name, content, kind = message.attachments[0]
    assert name == "appointment.ics" and kind.startswith("text/calendar")
    assert "BEGIN:VEVENT" in (content.decode() if isinstance(content, bytes) else content)
    assert message.extra_headers["Message-ID"].startswith(f"<appt.{appointment.pk}.booking_confirmation.n")
    assert message.extra_headers["X-Spa-Notification"] == f"appt:{appointment.pk}:booking_confirmation"


def test_the_reminder_is_sent_when_due_and_not_before(alice, anna, mailoutbox):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
    with time_machine.travel(local(2026, 12, 7, 9, 59), tick=False):
        assert dispatch.dispatch_due_notifications().outcomes.keys() == {"sent"}  # confirmation, pre-care -5d
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booked", "Getting ready"]
    with time_machine.travel(local(2026, 12, 7, 10), tick=False):
        dispatch.dispatch_due_notifications()
    assert mailoutbox[-1].subject.startswith("Reminder:")
    assert mailoutbox[-1].attachments
    assert Notification.objects.get(dedupe_key=f"appt:{appointment.pk}:reminder:48h").status == Status.SENT


def test_a_row_stuck_in_sending_is_reclaimed_and_sent_exactly_once(alice, mailoutbox, settings):
    settings.SPA_OUTBOX_STUCK_AFTER_SECONDS = 300
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        row = make_row(alice, due_at=local(2026, 12, 1, 8))
        claimed, token = dispatch.claim_due(now=local(2026, 12, 1, 9), batch_size=10)
        assert [n.pk for n in claimed] == [row.pk]
        # The worker holding it dies here: nothing sends it, nothing else may take it yet.
    with time_machine.travel(local(2026, 12, 1, 9, 4), tick=False):
        assert dispatch.dispatch_due_notifications().claimed == 0
    with time_machine.travel(local(2026, 12, 1, 9, 6), tick=False):
        result = dispatch.dispatch_due_notifications()
        assert result.reclaimed == 1 and result.sent == 1
        # The dead worker's claim is stale: even if it woke up it could not send the row.
        assert dispatch.send_notification(row.pk, claimed_at=token) == "not_ours"
        assert dispatch.dispatch_due_notifications().claimed == 0
    row.refresh_from_db()
    assert row.status == Status.SENT and row.attempts == 2  # the lost attempt counts
    assert len(mailoutbox) == 1


def test_a_claimed_row_renews_its_claim_when_its_turn_comes(alice, mailoutbox):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        row = make_row(alice, due_at=local(2026, 12, 1, 8))
        claimed, token = dispatch.claim_due(now=local(2026, 12, 1, 9), batch_size=10)
    # Its turn comes late in a long batch, but before any sweeper took it back.
    with time_machine.travel(local(2026, 12, 1, 9, 4) + dt.timedelta(seconds=59), tick=False):
        assert dispatch._take(row.pk, token) == local(2026, 12, 1, 9, 4) + dt.timedelta(seconds=59)
        assert dispatch._take(row.pk, token) is None  # the old claim is spent
    with time_machine.travel(local(2026, 12, 1, 9, 6), tick=False):
        assert dispatch.reclaim_stuck() == 0  # renewed at 9:04:59, not stuck yet


def test_send_notification_is_idempotent_by_status(alice, mailoutbox):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        row = make_row(alice, due_at=local(2026, 12, 1, 8))
        assert dispatch.send_notification(row.pk) == "sent"
        assert dispatch.send_notification(row.pk) == "not_ours"
        later = make_row(alice, due_at=local(2026, 12, 2, 8), key="test:2")
        assert dispatch.send_notification(later.pk) == "not_ours"  # not due
    assert len(mailoutbox) == 1


def test_a_failing_backend_is_retried_with_backoff_then_marked_failed(alice, settings):
    settings.SMS_BACKEND = "tests.scheduling.test_dispatch.BrokenSMS"
    settings.SPA_OUTBOX_MAX_ATTEMPTS = 4
    row = make_row(alice, due_at=local(2026, 12, 1, 10), channel="sms")
    moment = local(2026, 12, 1, 10)
    delays = []
    for _ in range(3):
        with time_machine.travel(moment, tick=False):
            assert dispatch.dispatch_due_notifications().outcomes == {"retry": 1}
            assert dispatch.dispatch_due_notifications().claimed == 0  # backing off
        row.refresh_from_db()
        assert row.status == Status.PENDING and "gateway unreachable" in row.last_error
        delays.append(row.due_at - moment)
        moment = row.due_at
    assert delays == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]
    with time_machine.travel(moment, tick=False):
        assert dispatch.dispatch_due_notifications().outcomes == {"failed": 1}
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.attempts == 4 and BrokenSMS.calls == 4
    assert row.last_error == "ConnectionError: gateway unreachable"
    with time_machine.travel(moment + dt.timedelta(hours=1), tick=False):
        assert dispatch.dispatch_due_notifications().claimed == 0


def test_an_sms_without_a_phone_fails_at_once(alice):
    set_profile(alice, phone="")
    row = make_row(alice, due_at=local(2026, 12, 1, 10), channel="sms")
    with time_machine.travel(local(2026, 12, 1, 10), tick=False):
        assert dispatch.dispatch_due_notifications().outcomes == {"failed": 1}
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.last_error == "PermanentSendError: No phone number for an SMS."


def test_an_sms_due_in_quiet_hours_waits_until_eight_but_email_does_not(alice, mailoutbox):
    sms = make_row(alice, due_at=local(2026, 12, 1, 21, 30), channel="sms", key="test:sms")
    email = make_row(alice, due_at=local(2026, 12, 1, 21, 30), key="test:email")
    with time_machine.travel(local(2026, 12, 1, 21, 31), tick=False):
        result = dispatch.dispatch_due_notifications()
    assert result.outcomes == {"deferred": 1, "sent": 1}
    sms.refresh_from_db()
    email.refresh_from_db()
    assert email.status == Status.SENT and len(mailoutbox) == 1
    assert sms.status == Status.PENDING and sms.due_at == local(2026, 12, 2, 8) and sms.attempts == 0
    with time_machine.travel(local(2026, 12, 2, 7, 59), tick=False):
        assert dispatch.dispatch_due_notifications().claimed == 0
    with time_machine.travel(local(2026, 12, 2, 8), tick=False):
        assert dispatch.dispatch_due_notifications().sent == 1
    assert LocmemSMSBackend.outbox == [{"to": "+447700900123", "body": "Sun protection every day."}]


def test_quiet_hours_end_at_eight_the_same_morning_after_midnight():
    assert dispatch.quiet_until(local(2026, 12, 2, 3)) == local(2026, 12, 2, 8)
    assert dispatch.quiet_until(local(2026, 12, 2, 20, 59)) is None
    assert dispatch.quiet_until(local(2026, 3, 28, 23)) == local(2026, 3, 29, 8)  # spring forward night


def test_staff_can_resend_a_failed_message_only(alice, owner, mailoutbox):
    row = make_row(alice, due_at=local(2026, 12, 1, 10), status=Status.FAILED, attempts=5, last_error="boom")
    with time_machine.travel(local(2026, 12, 1, 12), tick=False):
        dispatch.resend_notification(notification=row, by=owner)
        assert row.status == Status.PENDING and row.attempts == 0 and row.due_at == local(2026, 12, 1, 12)
        assert dispatch.dispatch_due_notifications().sent == 1
        with pytest.raises(SchedulingError) as error:
            dispatch.resend_notification(notification=row, by=owner)
    assert error.value.code == "not_resendable" and error.value.status == 409
    assert len(mailoutbox) == 1


def test_the_celery_task_dispatches_end_to_end(alice, mailoutbox):
    make_row(alice, due_at=local(2026, 12, 1, 8), key="test:a")
    make_row(alice, due_at=local(2026, 12, 1, 8), key="test:b")
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        outcome = tasks.dispatch_due_notifications.apply().get()
        assert outcome == {"reclaimed": 0, "claimed": 2, "sent": 2}
        assert tasks.dispatch_due_notifications.apply().get() == {"reclaimed": 0, "claimed": 0}
    assert len(mailoutbox) == 2
    assert tasks.dispatch_due_notifications.acks_late
    assert tasks.send_notification.acks_late


def test_the_send_task_sends_one_row_once(alice, mailoutbox):
    row = make_row(alice, due_at=local(2026, 12, 1, 8))
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        assert tasks.send_notification.apply(args=[row.pk]).get() == "sent"
        assert tasks.send_notification.apply(args=[row.pk]).get() == "not_ours"
    assert len(mailoutbox) == 1


def test_a_due_now_confirmation_is_sent_right_after_the_commit(
    alice, anna, mailoutbox, eager, django_capture_on_commit_callbacks
):
    appointment = AppointmentFactory(client=alice, practitioner=anna)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            outbox.appointment_booked(appointment=appointment)
        assert mailoutbox == []  # nothing leaves inside the transaction
    assert len(callbacks) == 1
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Booked"]


def test_a_broker_outage_does_not_break_the_commit(alice, anna, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.dispatch_due_notifications, "apply_async", down)
    appointment = AppointmentFactory(client=alice, practitioner=anna)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.appointment_booked(appointment=appointment)
    assert Notification.objects.get(appointment=appointment, kind="booking_confirmation").status == Status.PENDING


def test_the_management_command_runs_one_dispatch(alice, capsys, mailoutbox):
    make_row(alice, due_at=local(2026, 1, 1, 8))
    call_command("dispatch_due_notifications")
    assert "claimed 1: sent 1" in capsys.readouterr().out
    assert len(mailoutbox) == 1
