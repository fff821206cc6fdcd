"""Dispatchers racing for real on PostgreSQL: every row is sent exactly once."""

from __future__ import annotations

import os
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from scheduling.models import Notification
from scheduling.notifications import dispatch
from tests.scheduling.plans_support import local

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
]

ROWS = 400
DISPATCHERS = 6


@pytest.mark.django_db(transaction=True)
def test_dispatchers_racing_send_each_row_exactly_once(alice):
    Notification.objects.bulk_create(
        Notification(
            client=alice,
            kind=Notification.Kind.TIP,
            due_at=local(2026, 1, 1, 8),
            dedupe_key=f"race:{i}",
            subject=f"Message {i}",
            body_text="Sun protection every day.",
        )
        for i in range(ROWS)
    )
    mail.outbox = []
    start = threading.Barrier(DISPATCHERS)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            while True:
                result = dispatch.dispatch_due_notifications(batch_size=15)
                claimed.append(result.claimed)
                if result.claimed == 0:
                    return
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(DISPATCHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    sends = Counter(m.extra_headers["X-Spa-Notification"] for m in mail.outbox)
    assert len(sends) == ROWS and max(sends.values()) == 1
    assert sum(claimed) == ROWS
    assert sum(1 for n in claimed if n) > DISPATCHERS  # they really shared the work
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == ROWS
