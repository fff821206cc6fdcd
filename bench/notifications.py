"""10,000 due notifications through a real Redis broker and one Celery worker (SPEC.md figures).

Needs ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``; otherwise prints ``SKIPPED`` with the reason.

Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spa_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/notifications.py

What it does, on a throwaway ``test_…`` database of that server:
1. Creates 10,000 due email notifications and starts ONE real worker
   (``.venv/bin/celery -A spa worker --concurrency=N``) on that database and broker, with
   Django's file email backend writing into a fresh folder (one ``X-Spa-Notification: <dedupe
   key>`` header per email actually handed to the backend). The script plays the beat: it
   enqueues ``scheduling.tasks.dispatch_due_notifications`` through the broker (N at the
   start, then one a second while rows remain). Figure: seconds until every row is ``sent``
   (target <= 60 s), and every dedupe key found exactly once in the written mail.
2. Same again, but the worker is SIGKILLed (its whole process group) once about a third of the
   rows are sent, then a new worker is started. Rows the dead worker held stay ``sending``; the
   sweeper at the start of each dispatch task puts them back after the stuck timeout
   (``SPA_OUTBOX_STUCK_AFTER_SECONDS``: 300 s in production, 10 s for this run so it does not
   wait five minutes). Figures: emails lost (target 0); repeats of emails that were NOT in
   flight at the kill (target 0); repeats that carry a different ``Message-ID`` from the first
   copy (target 0). The number of repeats itself is printed beside the number in flight.

SMTP cannot promise better than at-least-once: a repeat is possible only if the kill lands
between "the backend accepted the email" and "the row is marked sent" (``scheduling/dispatch.py``
and docs/notifications.md explain the window), so the honest target is "none lost, and repeats
only of messages in flight at the kill, each with the same Message-ID" (SPEC.md's invariant).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, figure, setup_django, throwaway_database

ROWS = 10_000
CONCURRENCY = 8  # more processes than CPUs: each spends much of a send waiting on commits
TARGET_SECONDS = 60.0
STUCK_AFTER_SECONDS = 10
KILL_AT_SHARE = 0.33


def _database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """One ``celery worker`` subprocess in its own process group (so SIGKILL takes all of it)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "spa",
                "worker",
                f"--concurrency={CONCURRENCY}",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, app, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the worker exited at start; see its log")
            if app.control.ping(timeout=0.5):
                return
        raise RuntimeError("the worker did not answer a ping within a minute")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _make_rows(clients: list, tag: str) -> None:
    from django.utils import timezone

    from scheduling.models import Notification

    due = timezone.now()
    Notification.objects.bulk_create(
        (
            Notification(
                client=clients[i % len(clients)],
                kind=Notification.Kind.TIP,
                channel=Notification.Channel.EMAIL,
                due_at=due,
                dedupe_key=f"bench:{tag}:{i}",
                subject="Between sessions",
                body_text="Sun protection every day, plenty of water, vitamins and natural skin care.",
                body_html="<p>Sun protection every day, plenty of water, vitamins and natural skin care.</p>",
            )
            for i in range(ROWS)
        ),
        batch_size=2000,
    )


def _deliveries(folder: Path, tag: str) -> tuple[Counter, dict[str, set[str]]]:
    """How often each dedupe key was handed to the backend, and the Message-IDs it went with.
    Django's file backend writes each email followed by a line of 79 dashes."""
    prefix = f"X-Spa-Notification: bench:{tag}:"
    sends: Counter = Counter()
    message_ids: dict[str, set[str]] = {}
    for path in folder.iterdir():
        for email in path.read_text(encoding="utf-8", errors="replace").split("-" * 79):
            key = message_id = None
            for line in email.splitlines():
                if line.startswith(prefix):
                    key = line.split(": ", 1)[1].strip()
                elif line.lower().startswith("message-id:"):
                    message_id = line.split(":", 1)[1].strip()
            if key is not None:
                sends[key] += 1
                message_ids.setdefault(key, set()).add(message_id or "")
    return sends, message_ids


def _run(*, tag: str, env: dict[str, str], app, workdir: Path, kill: bool) -> dict[str, float]:
    from scheduling.models import Notification

    mail_dir = workdir / f"mail-{tag}"
    mail_dir.mkdir()
    env = {**env, "EMAIL_FILE_PATH": str(mail_dir)}
    sent = Notification.objects.filter(dedupe_key__startswith=f"bench:{tag}:", status=Notification.Status.SENT)
    worker = Worker(env, workdir / "worker.log")
    worker.wait_ready(app)
    kicked_at = time.monotonic()
    for _ in range(CONCURRENCY):
        app.send_task("scheduling.tasks.dispatch_due_notifications")
    killed_at = restarted_at = None
    in_flight: set[str] = set()
    last_kick = time.monotonic()
    try:
        while True:
            done = sent.count()
            if done >= ROWS:
                break
            if time.monotonic() - kicked_at > 600:
                raise RuntimeError(f"only {done} of {ROWS} sent after 10 minutes")
            if kill and killed_at is None and done >= ROWS * KILL_AT_SHARE:
                worker.kill()
                killed_at = time.monotonic()
                # The whole worker is dead: the rows in `sending` now are exactly those in flight.
                in_flight = set(
                    Notification.objects.filter(status=Notification.Status.SENDING).values_list("dedupe_key", flat=True)
                )
                print(f"  SIGKILLed the worker with {done} sent and {len(in_flight)} rows in `sending`", flush=True)
                worker = Worker(env, workdir / "worker.log")
                worker.wait_ready(app)
                restarted_at = time.monotonic()
            if time.monotonic() - last_kick >= 1.0:
                # The beat's job (every minute in production): the task sweeps stuck rows first.
                app.send_task("scheduling.tasks.dispatch_due_notifications")
                last_kick = time.monotonic()
            time.sleep(0.1)
        elapsed = time.monotonic() - kicked_at
    finally:
        worker.stop()
    sends, message_ids = _deliveries(mail_dir, tag)
    repeated = {key for key, n in sends.items() if n > 1}
    result = {
        "seconds": elapsed,
        "lost": ROWS - len(sends),
        "duplicates": sum(sends[key] - 1 for key in repeated),
        "in_flight": len(in_flight),
        "repeated_not_in_flight": len(repeated - in_flight),
        "repeated_new_message_id": sum(1 for key in repeated if len(message_ids[key]) != 1),
    }
    if killed_at is not None:
        result["after_restart"] = time.monotonic() - (restarted_at or killed_at)
    return result


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres"):
        print("SKIPPED notifications: needs DATABASE_URL pointing at PostgreSQL")
        return 0
    if not redis_url.startswith("redis"):
        print("SKIPPED notifications: needs REDIS_URL (a real Redis broker)")
        return 0
    setup_django("notifications")
    from django.db import connection

    from clients.models import User
    from spa.celery import app

    with throwaway_database() as database, tempfile.TemporaryDirectory(prefix="spa-bench-mail-") as tmp:
        workdir = Path(tmp)
        print(f"database: {database}; broker: {redis_url}; one worker, concurrency {CONCURRENCY}")
        env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "SMTP_URL")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "spa.settings",
                "DATABASE_URL": _database_url(connection.settings_dict),
                "REDIS_URL": redis_url,
                "LOG_LEVEL": "WARNING",
                "SPA_OUTBOX_STUCK_AFTER_SECONDS": str(STUCK_AFTER_SECONDS),
            }
        )
        app.control.purge()
        clients = User.objects.bulk_create(User(email=f"c{n}@bench.spa", first_name=f"C{n}") for n in range(100))
        ok = True

        _make_rows(clients, "plain")
        connection.close()  # the worker and this script share the database: no open transaction here
        plain = _run(tag="plain", env=env, app=app, workdir=workdir, kill=False)
        print(f"  {ROWS} notifications sent in {plain['seconds']:.1f} s ({ROWS / plain['seconds']:.0f}/s)")
        ok &= figure("notifications: 10,000 due sent by one worker", plain["seconds"], TARGET_SECONDS, " s")
        ok &= figure("notifications: lost (no kill)", plain["lost"], 0, fmt="d")
        ok &= figure("notifications: sent twice (no kill)", plain["duplicates"], 0, fmt="d")

        _make_rows(clients, "kill")
        connection.close()
        killed = _run(tag="kill", env=env, app=app, workdir=workdir, kill=True)
        print(
            f"  all sent {killed['seconds']:.1f} s after the first kick, "
            f"{killed['after_restart']:.1f} s after the restart (stuck timeout {STUCK_AFTER_SECONDS} s)"
        )
        ok &= figure("notifications: lost after SIGKILL and restart", killed["lost"], 0, fmt="d")
        print(
            f"  repeats after the kill: {killed['duplicates']} "
            f"(at most the {killed['in_flight']} in flight at the kill; SMTP is at-least-once)"
        )
        ok &= figure(
            "notifications: repeats after SIGKILL not in flight at the kill",
            killed["repeated_not_in_flight"],
            0,
            fmt="d",
        )
        ok &= figure(
            "notifications: repeats after SIGKILL with a new Message-ID", killed["repeated_new_message_id"], 0, fmt="d"
        )
        app.control.purge()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
