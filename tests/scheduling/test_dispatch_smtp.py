"""A reminder delivered to a real SMTP server on loopback (aiosmtpd): contents and attachment."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

import pytest
import time_machine

from scheduling.models import Notification
from scheduling.notifications import dispatch
from tests.scheduling.plans_support import local
from tests.scheduling.test_outbox import book

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="needs aiosmtpd (requirements-dev.txt)")


class Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    yield inbox
    controller.stop()


def test_a_reminder_reaches_a_real_smtp_server_with_its_calendar_file(alice, anna, smtp):
    with time_machine.travel(local(2026, 12, 1, 9), tick=False):
        appointment = book(alice, anna, local(2026, 12, 9, 10))
    with time_machine.travel(local(2026, 12, 7, 10, 1), tick=False):
        result = dispatch.dispatch_due_notifications()
    assert result.sent == 3  # confirmation, "getting ready" (-5 d), the 48 h reminder
    reminder = Notification.objects.get(dedupe_key=f"appt:{appointment.pk}:reminder:48h")
    assert reminder.status == Notification.Status.SENT
    envelopes = [e for e in smtp.envelopes if b"X-Spa-Notification: appt:%d:reminder:48h" % appointment.pk in e.content]
    assert len(envelopes) == 1
    envelope = envelopes[0]
    assert envelope.rcpt_tos == ["alice@example.com"]
    message: EmailMessage = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Reminder: Microneedling: face on Wednesday 9 December at 10:00"
    assert message["Message-ID"] == f"<appt.{appointment.pk}.reminder.48h.n{reminder.pk}@127.0.0.1>"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Wednesday 9 December at 10:00" in text and "Stop retinoids" in text
    assert f"/appointments/{appointment.pk}/pre-visit-check/" in text
    assert "Take the pre-visit check" in html and "#2f6f6a" in html
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["appointment.ics"]
    calendar = attachments[0].get_content()
    calendar = calendar.decode() if isinstance(calendar, bytes) else calendar
    assert "BEGIN:VEVENT" in calendar and f"appointment-{appointment.pk}@" in calendar
    assert "DTSTART;TZID=Europe/London:20261209T100000" in calendar
