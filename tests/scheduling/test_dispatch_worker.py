"""A real Celery worker on Redis, SIGKILLed mid-batch and replaced: every message still goes out.

Slow (starts two workers): runs only with ``DATABASE_URL`` (PostgreSQL, which the worker shares
with the test) and ``REDIS_URL``. The worker writes email with Django's file backend; each email
carries its dedupe key in ``X-Spa-Notification``, counted here.

Exactly once holds everywhere but one instant: a worker killed after the backend accepted an
email and before the row is marked sent leaves that row to be reclaimed and sent again. The test
proves no message is lost and that any repeat is one of the rows in flight at the kill (at most
one per worker process), never anything else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from scheduling.models import Notification
from spa.celery import app as celery_app
from tests.scheduling.plans_support import local

ROWS = 600
CONCURRENCY = 2

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)",
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db.get("USER") or "") + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(Path(settings.BASE_DIR) / ".venv" / "bin" / "celery"), "-A", "spa", "worker"]
        + [f"--concurrency={CONCURRENCY}", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
        + ["--without-heartbeat", "-n", f"test-{time.monotonic_ns()}@%h"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(timeout=0.5):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "worker did not start"
    return process


def _stop(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing(alice, tmp_path):
    Notification.objects.bulk_create(
        Notification(
            client=alice,
            kind=Notification.Kind.TIP,
            due_at=local(2026, 1, 1, 9),
            dedupe_key=f"worker:{i}",
            subject="Between sessions",
            body_text="Sun protection every day.",
        )
        for i in range(ROWS)
    )
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SMTP_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="spa.settings",
        DATABASE_URL=_database_url(),
        EMAIL_FILE_PATH=str(mail_dir),
        SPA_OUTBOX_STUCK_AFTER_SECONDS="3",
        LOG_LEVEL="WARNING",
    )
    celery_app.control.purge()
    sent = Notification.objects.filter(status=Notification.Status.SENT)
    worker = _start_worker(env, tmp_path / "worker.log")
    in_flight: set[str] = set()
    try:
        for _ in range(CONCURRENCY):
            celery_app.send_task("scheduling.tasks.dispatch_due_notifications")
        deadline = time.monotonic() + 120
        while sent.count() < ROWS // 3:
            assert time.monotonic() < deadline, "nothing was sent"
            time.sleep(0.02)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        in_flight = set(
            Notification.objects.filter(status=Notification.Status.SENDING).values_list("dedupe_key", flat=True)
        )
        assert sent.count() < ROWS, "the kill came too late to prove anything"
        worker = _start_worker(env, tmp_path / "worker.log")
        while sent.count() < ROWS:
            assert time.monotonic() < deadline, f"only {sent.count()} of {ROWS} sent"
            celery_app.send_task("scheduling.tasks.dispatch_due_notifications")  # the beat's kick
            time.sleep(1)
    finally:
        _stop(worker, signal.SIGTERM)
        celery_app.control.purge()
    deliveries: Counter = Counter()
    for path in mail_dir.iterdir():
        for line in path.read_text().splitlines():
            if line.startswith("X-Spa-Notification: worker:"):
                deliveries[line.split(": ", 1)[1]] += 1
    assert len(deliveries) == ROWS  # nothing lost
    repeated = {key for key, count in deliveries.items() if count > 1}
    assert repeated <= in_flight and len(repeated) <= CONCURRENCY
    assert max(deliveries.values()) <= 2
