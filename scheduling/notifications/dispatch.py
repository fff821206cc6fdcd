"""Sending the outbox: claim due rows, send each once, record what happened.

The database is the truth; the broker only carries "look now". Life of a row:

``pending`` --claim--> ``sending`` --backend accepts--> ``sent``
                                  --error--> ``pending`` (due later, backoff) … ``failed``
                                  --SMS in quiet hours--> ``pending`` (due at 08:00)
                                  --no longer wanted--> ``cancelled`` (reason in ``last_error``)
``sending`` for longer than ``SPA_OUTBOX_STUCK_AFTER_SECONDS`` (its worker died) --> ``pending``

A claim is exclusive: ``select_for_update(skip_locked=True)`` on PostgreSQL (concurrent
dispatchers take disjoint rows), a compare-and-set ``UPDATE … WHERE status='pending'`` on
SQLite. The claim time is the claim's token: a sender only sends a row still ``sending`` with
its token, and writes the outcome with the same condition, so a row reclaimed and claimed again
by someone else is never sent by the first claimant too.

At-least-once remains between "the backend accepted" and "we marked it sent": a worker killed
exactly there leaves a row that is reclaimed and sent again. The row is marked ``sent`` right
after the backend returns to keep that window small, and each email carries a Message-ID made
from the dedupe key so a receiving system can recognise a repeat.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from scheduling.booking.calendars import appointment_ics
from scheduling.errors import SchedulingError
from scheduling.models import Notification
from scheduling.notifications import outbox
from scheduling.notifications.selectors import still_wanted
from spa.lib.emails import send_email
from spa.lib.sms import get_sms_backend
from spa.lib.time import local_datetime, local_now

logger = logging.getLogger(__name__)

Status = Notification.Status
Kind = Notification.Kind

#: Kinds sent with the appointment's calendar file attached.
ICS_KINDS = (Kind.BOOKING_CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED)


class PermanentSendError(Exception):
    """Retrying cannot help (no phone number, no address): the row fails at once."""


@dataclass
class DispatchResult:
    reclaimed: int = 0
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return self.outcomes.get("sent", 0)

    def add(self, other: DispatchResult) -> None:
        self.reclaimed += other.reclaimed
        self.claimed += other.claimed
        for key, value in other.outcomes.items():
            self.outcomes[key] = self.outcomes.get(key, 0) + value


# --- Time rules ----------------------------------------------------------------------------


def quiet_until(moment: dt.datetime) -> dt.datetime | None:
    """When the SMS quiet hours around ``moment`` end, or None outside them (21:00–08:00 local)."""
    begin, end = settings.SPA_QUIET_HOURS
    local = local_now(moment)
    hour = local.hour
    quiet = (hour >= begin or hour < end) if begin > end else (begin <= hour < end)
    if not quiet:
        return None
    day = local.date() if hour < end else local.date() + dt.timedelta(days=1)
    return local_datetime(day, dt.time(end))


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 … minutes after the 1st, 2nd, 3rd, 4th … failed attempt."""
    return dt.timedelta(minutes=2 ** max(0, attempts - 1))


# --- Claiming ------------------------------------------------------------------------------


def reclaim_stuck(*, now: dt.datetime | None = None) -> int:
    """Rows left in ``sending`` by a dead worker go back to ``pending`` (or ``failed`` once they
    have used every attempt: a message that kills its sender must not loop forever)."""
    now = now or timezone.now()
    cutoff = now.astimezone(dt.UTC) - dt.timedelta(seconds=settings.SPA_OUTBOX_STUCK_AFTER_SECONDS)
    stuck = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=cutoff)
    limit = settings.SPA_OUTBOX_MAX_ATTEMPTS
    failed = stuck.filter(attempts__gte=limit - 1).update(
        status=Status.FAILED, attempts=F("attempts") + 1, claimed_at=None, last_error="Stuck in sending: gave up."
    )
    # Compare-and-set on status and the old claim: a sender finishing right now wins.
    reclaimed = stuck.filter(attempts__lt=limit - 1).update(
        status=Status.PENDING,
        attempts=F("attempts") + 1,
        claimed_at=None,
        due_at=now,
        last_error="Reclaimed: the sender stopped before finishing.",
    )
    if failed or reclaimed:
        logger.warning("Outbox: %s stuck rows reclaimed, %s failed.", reclaimed, failed)
    return reclaimed + failed


def _loaded() -> QuerySet[Notification]:
    return Notification.objects.select_related("client", "client__client_profile", "appointment")


def claim_due(*, now: dt.datetime, batch_size: int) -> tuple[list[Notification], dt.datetime]:
    """Claim up to ``batch_size`` due pending rows, oldest first. Returns the rows (loaded for
    sending) and the claim token (the ``claimed_at`` written on them)."""
    token = timezone.now()
    due = Notification.objects.filter(status=Status.PENDING, due_at__lte=now).order_by("due_at", "pk")
    if connection.vendor == "postgresql":
        # Race: two dispatchers (two beats, a kick and the beat) read the same due rows.
        # SKIP LOCKED hands each row to one of them; the lock lasts this short transaction.
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
            Notification.objects.filter(pk__in=ids).update(status=Status.SENDING, claimed_at=token)
    else:
        # SQLite has no row locks: compare-and-set each row; a count of 0 means another took it.
        ids = [
            pk
            for pk in due.values_list("pk", flat=True)[:batch_size]
            if Notification.objects.filter(pk=pk, status=Status.PENDING).update(status=Status.SENDING, claimed_at=token)
        ]
    rows = _loaded().filter(pk__in=ids, status=Status.SENDING, claimed_at=token).order_by("due_at", "pk")
    return list(rows), token


# --- Sending one row -----------------------------------------------------------------------


def _finish(notification_id: int, token: dt.datetime, **changes: object) -> bool:
    """Write an outcome only while the row is still ours (sending, our claim)."""
    return bool(
        Notification.objects.filter(pk=notification_id, status=Status.SENDING, claimed_at=token).update(**changes)
    )


def _message_id(notification: Notification) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    left = notification.dedupe_key.replace(":", ".").replace("@", "-").replace(" ", "")
    return f"<{left}.n{notification.pk}@{host}>"


def _deliver(notification: Notification) -> None:
    """Hand the row to the email or SMS backend; raises on failure."""
    client = notification.client
    if notification.channel == Notification.Channel.SMS:
        profile = getattr(client, "client_profile", None)
        phone = profile.phone if profile else ""
        if not phone:
            raise PermanentSendError("No phone number for an SMS.")
        get_sms_backend().send(to=phone, body=notification.body_text)
        return
    if not client.email:
        raise PermanentSendError("No email address.")
    attachments = []
    if notification.kind in ICS_KINDS and notification.appointment is not None:
        attachments.append(("appointment.ics", appointment_ics(notification.appointment), "text/calendar"))
    send_email(
        to=client.email,
        subject=notification.subject,
        text=notification.body_text,
        html=notification.body_html,
        attachments=attachments,
        headers={"Message-ID": _message_id(notification), "X-Spa-Notification": notification.dedupe_key},
    )


def _renew_after() -> dt.timedelta:
    """A claim older than this is renewed before sending (well inside the stuck timeout)."""
    return dt.timedelta(seconds=settings.SPA_OUTBOX_STUCK_AFTER_SECONDS / 4)


def _take(notification_id: int, token: dt.datetime) -> dt.datetime | None:
    """Renew our claim right before sending (compare-and-set on the old claim). The stuck
    timeout then counts from the start of this send, not from when the batch was claimed, so a
    row waiting its turn in a long batch is never reclaimed and sent by someone else meanwhile."""
    fresh = max(timezone.now(), token + dt.timedelta(microseconds=1))
    renewed = Notification.objects.filter(pk=notification_id, status=Status.SENDING, claimed_at=token).update(
        claimed_at=fresh
    )
    return fresh if renewed else None


def _claim(
    notification_id: int, *, claimed_at: dt.datetime | None, fresh: bool, now: dt.datetime
) -> dt.datetime | None:
    """The claim this call sends under, or None when the row is not ours to send."""
    if claimed_at is None:
        token = timezone.now()
        # Race: the beat's dispatcher and this call may want the same row; one UPDATE wins.
        won = Notification.objects.filter(pk=notification_id, status=Status.PENDING, due_at__lte=now).update(
            status=Status.SENDING, claimed_at=token
        )
        return token if won else None
    if fresh and timezone.now() - claimed_at < _renew_after():
        # Fresh from our own exclusive claim: no sweeper can have taken it back yet.
        return claimed_at
    return _take(notification_id, claimed_at)


def _failed(notification_id: int, claimed_at: dt.datetime, *, error: Exception, attempts: int, now: dt.datetime) -> str:
    """A send that raised: ``failed`` for good (permanent, or out of attempts), else ``retry``
    later with backoff."""
    message = f"{type(error).__name__}: {error}"[:2000]
    if isinstance(error, PermanentSendError) or attempts >= settings.SPA_OUTBOX_MAX_ATTEMPTS:
        _finish(notification_id, claimed_at, status=Status.FAILED, attempts=attempts, last_error=message)
        logger.error("Outbox: notification %s failed for good: %s", notification_id, message)
        return "failed"
    _finish(
        notification_id,
        claimed_at,
        status=Status.PENDING,
        attempts=attempts,
        last_error=message,
        due_at=now.astimezone(dt.UTC) + backoff(attempts),
        claimed_at=None,
    )
    logger.warning("Outbox: notification %s attempt %s failed: %s", notification_id, attempts, message)
    return "retry"


def send_notification(
    notification_id: int,
    *,
    claimed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    loaded: Notification | None = None,
) -> str:
    """Send one row, at most once. Returns the outcome: ``sent``, ``deferred``, ``retry``,
    ``failed``, ``skipped`` or ``not_ours``.

    With ``claimed_at`` (the dispatcher's claim token) the row must still be ``sending`` under
    that claim. Without it the row is claimed here (a pending, due row; compare-and-set), which
    makes the call idempotent: a second call, or a call for a row already sent, does nothing.
    ``loaded`` is the row as the dispatcher's claim read it (saves a query per row).
    """
    now = now or timezone.now()
    token = _claim(notification_id, claimed_at=claimed_at, fresh=loaded is not None, now=now)
    if token is None:
        return "not_ours"
    claimed_at = token
    notification = loaded if loaded is not None else _loaded().filter(pk=notification_id).first()
    if notification is None:
        return "not_ours"
    reason = still_wanted(notification)
    if reason:
        _finish(notification_id, claimed_at, status=Status.CANCELLED, last_error=reason, claimed_at=None)
        return "skipped"
    if notification.channel == Notification.Channel.SMS and (later := quiet_until(now)):
        _finish(notification_id, claimed_at, status=Status.PENDING, due_at=later, claimed_at=None)
        return "deferred"
    attempts = notification.attempts + 1
    try:
        _deliver(notification)
    except Exception as error:
        return _failed(notification_id, claimed_at, error=error, attempts=attempts, now=now)
    # Right after the backend accepted: the smaller this gap, the smaller the at-least-once window.
    if not _finish(
        notification_id, claimed_at, status=Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error=""
    ):
        # The send outlasted the stuck timeout and the sweeper took the row back: it will go again.
        logger.error(
            "Outbox: notification %s was sent but reclaimed meanwhile (send slower than the timeout).", notification_id
        )
    return "sent"


@contextlib.contextmanager
def asynchronous_commits() -> Iterator[None]:
    """On PostgreSQL, let this connection's outbox commits return before the WAL is flushed.

    Each sent row costs a small commit, and waiting for the disk flush of each one was half of
    a send's time here. An asynchronous commit is visible at once and survives the death of
    the worker (the server has it); only a crash of the database server itself may forget its
    last fraction of a second (3 × ``wal_writer_delay``), and a "sent" mark forgotten that way
    sends that row again: a duplicate after a database crash, never a loss (PostgreSQL docs,
    "Asynchronous Commit"). Skipped inside a caller's transaction.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO DEFAULT")


# --- The sweeper ---------------------------------------------------------------------------


def dispatch_due_notifications(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    time_budget_seconds: float | None = None,
) -> DispatchResult:
    """Reclaim stuck rows, then claim a batch of due rows and send them, inline.

    With ``time_budget_seconds`` it keeps claiming batches while they come back full and the
    budget lasts (the Celery task drains a backlog this way); without, one batch. Safe to run
    any number of times at once: claims are exclusive.
    """
    batch_size = batch_size or settings.SPA_OUTBOX_BATCH_SIZE
    started = time.monotonic()
    result = DispatchResult(reclaimed=reclaim_stuck(now=now))
    with asynchronous_commits():
        while True:
            moment = now or timezone.now()
            rows, token = claim_due(now=moment, batch_size=batch_size)
            result.claimed += len(rows)
            for row in rows:
                outcome = send_notification(row.pk, claimed_at=token, now=moment, loaded=row)
                result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1
            over = time_budget_seconds is None or time.monotonic() - started >= time_budget_seconds
            if len(rows) < batch_size or over:
                return result


def resend_notification(*, notification: Notification, by: object, now: dt.datetime | None = None) -> Notification:
    """Staff: put a failed message back in the queue, due now, with fresh attempts."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        # Compare-and-set: only a row that is failed right now goes back.
        updated = Notification.objects.filter(pk=notification.pk, status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, due_at=now, claimed_at=None, last_error=f"Resent by {by}."
        )
        if not updated:
            notification.refresh_from_db(fields=["status"])
            raise SchedulingError("not_resendable", status=notification.get_status_display().lower())
        outbox.kick_after_commit()
    notification.refresh_from_db()
    return notification
