"""The notification outbox: rows written in the transaction of the change that causes them.

Booking, rescheduling, cancelling, recording a no-show and recording a session call the
functions below inside their own transaction, so a message exists if and only if the change
committed. Each row is rendered when written (subject, text, HTML) and carries a unique
``dedupe_key`` (``appt:42:reminder:48h``, ``session:7:aftercare:+1``, ``plan:3:rebook:2``):
writing the same thing twice creates nothing new. ``scheduling.notifications.dispatch`` sends due rows.

Times: reminders are ``hours_before`` the start (an instant); care steps fall on a local date
(session date + offset days) at their ``send_time`` or else at the session's local time, so a
daylight-saving change between the two never moves them to another clock time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from scheduling.models import Appointment, Notification, PlanSession, TreatmentPlan
from scheduling.notifications.selectors import base_key
from scheduling.plans.windows import next_window
from spa.lib.broker import broker_probably_up
from spa.lib.contact import spa_contact
from spa.lib.emails import render_email
from spa.lib.sms import render_sms
from spa.lib.time import local_datetime, local_now
from treatments.models import CareStep, MessageTemplate, ReminderRule

logger = logging.getLogger(__name__)

#: The sweeper (``scheduling.tasks.dispatch_due_notifications``), sent by name.
DISPATCH_TASK = "scheduling.tasks.dispatch_due_notifications"

Kind = Notification.Kind
Status = Notification.Status

#: Rebooking prompts go out at this local time on the day the window opens.
PROMPT_TIME = dt.time(10, 0)
#: The "window closing" warning goes out this many days before the window's last day.
WINDOW_CLOSING_DAYS_BEFORE = 3
#: Reminders at least this far ahead list the pre-care instructions.
PRE_CARE_IN_REMINDER_HOURS = 24


@dataclass(frozen=True)
class Planned:
    """A message an appointment, a session or a plan calls for, before it is a row."""

    key: str
    kind: str
    due_at: dt.datetime
    context: dict[str, Any]


# --- Helpers -------------------------------------------------------------------------------


def url(name: str, *args: object) -> str:
    """An absolute link for an email. Falls back to the home page if the page does not exist
    (a link to the spa beats a broken message)."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        logger.warning("No URL named %s for an email link; linking the home page.", name)
        path = "/"
    return f"{settings.SITE_URL}{path}"


def channel_for(client: Any) -> str:
    """Her preferred channel; SMS only when she has a phone number."""
    profile = getattr(client, "client_profile", None)
    if profile and profile.preferred_channel == Notification.Channel.SMS and profile.phone:
        return Notification.Channel.SMS
    return Notification.Channel.EMAIL


def _when(moment: dt.datetime) -> str:
    return f"{local_now(moment):%A %-d %B at %H:%M}"


def _appointment_context(appointment: Appointment) -> dict[str, Any]:
    client = appointment.client
    return {
        "client_name": client.first_name or "there",
        "service_name": appointment.service.name,
        "when": _when(appointment.start),
        "when_short": f"{local_now(appointment.start):%a %-d %b %H:%M}",
        "practitioner_name": appointment.practitioner.display_name,
        "duration_minutes": appointment.service.duration_minutes,
        "manage_url": url("scheduling:my_appointments"),
        "book_url": url("scheduling:book"),
        "session_number": appointment.session_number,
        "price": f"£{appointment.service.price}" if appointment.service.price else "free",
        "spa_address": settings.SPA_ADDRESS,
        "map_url": spa_contact()["spa_map_url"],
    }


def _custom(kind: str, context: dict[str, Any], channel: str) -> dict[str, str] | None:
    """The admin's own wording for this kind (``treatments.MessageTemplate``), if any.

    Its subject, body and SMS are Django templates over the same context as the files
    (``client_name``, ``service_name``, ``when``, ``manage_url``, …). A template the admin
    broke must not stop a booking: it is logged and the built-in text is used.
    """
    custom = MessageTemplate.objects.filter(kind=kind).first()
    if custom is None:
        return None
    full = Context({"spa_name": settings.SPA_NAME, "site_url": settings.SITE_URL, **context}, autoescape=False)
    try:
        subject = " ".join(Template(custom.subject).render(full).split())
        body = Template(custom.body).render(full).strip()
        sms = " ".join(Template(custom.sms).render(full).split()) if custom.sms else ""
    except TemplateSyntaxError:
        logger.exception("MessageTemplate %r does not render; using the built-in text.", kind)
        return None
    if channel == Notification.Channel.SMS:
        return {"subject": subject[:200], "body_text": sms or render_sms(kind, context), "body_html": ""}
    email = render_email("custom", {**context, "body": body})
    return {"subject": subject[:200], "body_text": email.text, "body_html": email.html}


def _render(kind: str, context: dict[str, Any], channel: str) -> dict[str, str]:
    custom = _custom(kind, context, channel)
    if custom is not None:
        return custom
    email = render_email(kind, context)
    if channel == Notification.Channel.SMS:
        return {"subject": email.subject[:200], "body_text": render_sms(kind, context), "body_html": ""}
    return {"subject": email.subject[:200], "body_text": email.text, "body_html": email.html}


def _write(
    planned: Iterable[Planned],
    *,
    client: Any,
    appointment: Appointment | None = None,
    plan: TreatmentPlan | None = None,
    now: dt.datetime,
) -> list[Notification]:
    """Insert the planned rows that do not exist yet; kick the dispatcher for due-now rows."""
    planned = list(planned)
    existing = set(
        Notification.objects.filter(dedupe_key__in=[p.key for p in planned]).values_list("dedupe_key", flat=True)
    )
    channel = channel_for(client)
    rows = [
        Notification(
            client=client,
            kind=p.kind,
            channel=channel,
            due_at=p.due_at,
            dedupe_key=p.key,
            appointment=appointment,
            plan=plan,
            created_at=now,
            **_render(p.kind, p.context, channel),
        )
        for p in planned
        if p.key not in existing
    ]
    # ignore_conflicts: two writers of the same key at once (a retried request) keep one row;
    # the unique dedupe_key is the guarantee, the pre-read above only saves rendering.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.due_at <= now for row in rows):
        kick_after_commit()
    return rows


def kick_dispatch() -> None:
    """Ask for a dispatch now. Best effort, never raises: when the broker is down the rows wait
    in the database and the beat (or the next kick) sends them. The task is looked up by name
    (``SchedulingConfig.ready`` registers the tasks), so this module does not import the tasks
    that call it."""
    if not broker_probably_up():  # a dead Redis would hold the request for seconds of retries
        return
    try:
        current_app.tasks[DISPATCH_TASK].apply_async(retry=False)
    except Exception:
        logger.warning("Outbox: could not reach the broker; the beat sweeper will send the due rows.", exc_info=True)


def kick_after_commit() -> None:
    """Ask a worker to dispatch right after the commit, so a due-now message leaves within
    seconds rather than at the next beat."""
    transaction.on_commit(kick_dispatch, robust=True)


def _withdraw(appointment: Appointment, *, reason: str) -> int:
    # Only pending rows: a row in `sending` is in a sender's hands and finishes as it is.
    # The cancellation notice itself stays (cancelling twice must not withdraw it).
    pending = Notification.objects.filter(appointment=appointment, status=Status.PENDING)
    return pending.exclude(kind=Kind.CANCELLATION).update(status=Status.CANCELLED, last_error=reason, claimed_at=None)


_SESSION_BOOKED = "Withdrawn: the session it invites to book is booked."


def _prompt_keys(appointment: Appointment) -> list[str]:
    """The keys of the rebooking prompt and window warning about this appointment's session."""
    if not appointment.plan_id or not appointment.session_number:
        return []
    plan, number = appointment.plan_id, appointment.session_number
    return [f"plan:{plan}:rebook:{number}", f"plan:{plan}:window_closing:{number}"]


def _hold_prompts(appointment: Appointment) -> None:
    """Her session is booked: its prompts are withdrawn now (not only skipped at send time), so
    her Messages page does not list them as upcoming."""
    Notification.objects.filter(dedupe_key__in=_prompt_keys(appointment), status=Status.PENDING).update(
        status=Status.CANCELLED, last_error=_SESSION_BOOKED, claimed_at=None
    )


def _release_prompts(appointment: Appointment, *, now: dt.datetime) -> None:
    """The session is unbooked again: prompts withdrawn for that reason and still ahead return."""
    Notification.objects.filter(
        dedupe_key__in=_prompt_keys(appointment), status=Status.CANCELLED, last_error=_SESSION_BOOKED, due_at__gt=now
    ).update(status=Status.PENDING, last_error="")


def _set_text(row: Notification, text: dict[str, str]) -> None:
    row.subject, row.body_text, row.body_html = text["subject"], text["body_text"], text["body_html"]


# --- What an appointment calls for ------------------------------------------------------


def _pre_care(appointment: Appointment) -> list[CareStep]:
    """The pre-care steps of a needling appointment (none for a consultation)."""
    if not appointment.service.is_needling:
        return []
    return list(CareStep.objects.filter(active=True, kind=CareStep.Kind.PRE_CARE, offset_days__lt=0))


def _appointment_plan(appointment: Appointment) -> list[Planned]:
    """Reminders (admin's ReminderRules) and pre-care steps (CareSteps with negative offsets)."""
    base = _appointment_context(appointment)
    needling = appointment.service.is_needling
    pre_care = _pre_care(appointment)
    planned: list[Planned] = []
    for rule in ReminderRule.objects.filter(active=True):
        context = {
            **base,
            "hours_before": rule.hours_before,
            "pre_care": pre_care if rule.hours_before >= PRE_CARE_IN_REMINDER_HOURS else [],
            "previsit_url": url("scheduling:previsit", appointment.pk)
            if rule.include_pre_visit_check and needling
            else "",
        }
        planned.append(
            Planned(
                key=f"appt:{appointment.pk}:reminder:{rule.hours_before}h",
                kind=Kind.REMINDER,
                # In UTC: aware-datetime arithmetic in a named zone is wall-clock arithmetic.
                due_at=appointment.start.astimezone(dt.UTC) - dt.timedelta(hours=rule.hours_before),
                context=context,
            )
        )
    start_local = local_now(appointment.start)
    for step in pre_care:
        day = start_local.date() + dt.timedelta(days=step.offset_days)
        planned.append(
            Planned(
                key=f"appt:{appointment.pk}:pre_care:{step.offset_days:+d}d",
                kind=Kind.PRE_CARE,
                due_at=local_datetime(day, step.send_time or start_local.time()),
                context={**base, "title": step.title, "body": step.body},
            )
        )
    return planned


def appointment_booked(*, appointment: Appointment, now: dt.datetime | None = None) -> list[Notification]:
    """Queue the confirmation (due now), the reminders and the pre-care messages of a new
    booking; those whose time has already passed are skipped. Idempotent."""
    now = now or timezone.now()
    planned = [
        Planned(
            key=f"appt:{appointment.pk}:booking_confirmation",
            kind=Kind.BOOKING_CONFIRMATION,
            due_at=now,
            context={**_appointment_context(appointment), "pre_care": _pre_care(appointment)},
        ),
        *(p for p in _appointment_plan(appointment) if p.due_at > now),
    ]
    _hold_prompts(appointment)
    return _write(planned, client=appointment.client, appointment=appointment, plan=appointment.plan, now=now)


def appointment_rescheduled(
    *, appointment: Appointment, previous_start: dt.datetime, now: dt.datetime | None = None
) -> list[Notification]:
    """Move the pending rows of a rescheduled appointment to the new time (updated in place,
    text re-rendered), re-issue reminders already sent for the old time, withdraw those whose
    new time has passed, and queue a short "rescheduled" notice. A sent confirmation is not
    sent again."""
    now = now or timezone.now()
    planned = {p.key: p for p in _appointment_plan(appointment)}
    base = _appointment_context(appointment)
    handled: set[str] = set()
    for row in Notification.objects.select_for_update().filter(appointment=appointment, status=Status.PENDING):
        key = base_key(row.dedupe_key)
        if row.kind == Kind.BOOKING_CONFIRMATION:
            # Not sent yet: it goes out as planned, with the new time in it.
            _set_text(row, _render(row.kind, base, row.channel))
            row.save(update_fields=["subject", "body_text", "body_html"])
            continue
        target = planned.get(key)
        if target is None or target.due_at <= now:
            row.status = Status.CANCELLED
            row.last_error = "Withdrawn: after the reschedule its time had passed or it no longer applies."
            row.save(update_fields=["status", "last_error"])
            continue
        handled.add(key)
        row.due_at = target.due_at
        _set_text(row, _render(row.kind, target.context, row.channel))
        row.save(update_fields=["due_at", "subject", "body_text", "body_html"])
    used = {
        base_key(k)
        for k in Notification.objects.filter(appointment=appointment)
        .exclude(status=Status.PENDING)
        .values_list("dedupe_key", flat=True)
    }
    stamp = int(appointment.start.timestamp())
    fresh = [
        Planned(key=f"{key}@{stamp}" if key in used else key, kind=p.kind, due_at=p.due_at, context=p.context)
        for key, p in planned.items()
        if key not in handled and p.due_at > now
    ]
    notice = Planned(
        key=f"appt:{appointment.pk}:rescheduled:{int(previous_start.timestamp())}-{stamp}",
        kind=Kind.RESCHEDULED,
        due_at=now,
        context={**base, "previous_when": _when(previous_start)},
    )
    return _write([*fresh, notice], client=appointment.client, appointment=appointment, plan=appointment.plan, now=now)


def appointment_cancelled(*, appointment: Appointment, now: dt.datetime | None = None) -> list[Notification]:
    """Withdraw the pending rows of a cancelled appointment and queue the cancellation notice."""
    now = now or timezone.now()
    _withdraw(appointment, reason="Withdrawn: the appointment was cancelled.")
    _release_prompts(appointment, now=now)
    notice = Planned(
        key=f"appt:{appointment.pk}:cancellation",
        kind=Kind.CANCELLATION,
        due_at=now,
        context={**_appointment_context(appointment), "late": appointment.late_cancellation},
    )
    return _write([notice], client=appointment.client, appointment=appointment, plan=appointment.plan, now=now)


def appointment_no_show(*, appointment: Appointment) -> int:
    """Withdraw the pending messages of a no-show (no notice to the client). Returns how many."""
    return _withdraw(appointment, reason="Withdrawn: the client did not come (no-show).")


def appointment_flagged(*, appointment: Appointment, now: dt.datetime | None = None) -> list[Notification]:
    """Tell the client that a booked session is now outside its plan window and that the spa
    will contact her (staff see the flag on the schedule)."""
    now = now or timezone.now()
    notice = Planned(
        key=f"appt:{appointment.pk}:staff_flag:{int(appointment.start.timestamp())}",
        kind=Kind.STAFF_FLAG,
        due_at=now,
        context=_appointment_context(appointment),
    )
    return _write([notice], client=appointment.client, appointment=appointment, plan=appointment.plan, now=now)


# --- What a completed session calls for -------------------------------------------------


def session_completed(*, session: PlanSession, now: dt.datetime | None = None) -> list[Notification]:
    """Queue the aftercare timeline (day 0 at once, then each step's day), the results check
    linking the rating page, tips (only with her opt-in), and, once the next session's window is
    known, the invitation to book it (window start, 10:00) and the warning 3 days before it
    closes. Steps whose time has already passed are skipped."""
    now = now or timezone.now()
    plan = session.plan
    appointment = session.appointment
    client = plan.client if plan else appointment.client
    held = local_now(appointment.start if appointment else session.completed_at)
    profile = getattr(client, "client_profile", None)
    opted_in = bool(profile and profile.marketing_opt_in)
    base = {
        "client_name": client.first_name or "there",
        "session_number": session.number,
        # A session without a plan links her appointments (aftercare is the same).
        "plan_url": url("scheduling:my_plan", plan.pk) if plan else url("scheduling:my_appointments"),
        "book_url": url("scheduling:book"),
    }
    planned: list[Planned] = []
    steps = CareStep.objects.filter(
        active=True,
        offset_days__gte=0,
        kind__in=[CareStep.Kind.AFTERCARE, CareStep.Kind.RESULTS_CHECK, CareStep.Kind.TIP],
    )
    for step in steps:
        if step.kind == CareStep.Kind.TIP and not opted_in:
            continue
        if step.offset_days == 0:
            due = now
        else:
            day = held.date() + dt.timedelta(days=step.offset_days)
            due = local_datetime(day, step.send_time or held.time())
            if due <= now:
                continue
        context = {**base, "title": step.title, "body": step.body}
        if step.kind == CareStep.Kind.RESULTS_CHECK:
            context["rate_url"] = url("scheduling:rate_session", session.pk)
            context["problem_url"] = url("scheduling:report_problem", session.pk)
        planned.append(Planned(f"session:{session.pk}:{step.kind}:{step.offset_days:+d}", step.kind, due, context))
    window = next_window(plan) if plan is not None and plan.status == TreatmentPlan.Status.ACTIVE else None
    if window is not None and window.start is not None and window.number == session.number + 1:
        context = {
            **base,
            "next_number": window.number,
            "window_start": f"{window.start:%A %-d %B}",
            "window_end": f"{window.end:%A %-d %B}",
        }
        prompts = [
            (Kind.REBOOK_PROMPT, f"plan:{plan.pk}:rebook:{window.number}", local_datetime(window.start, PROMPT_TIME)),
            (
                Kind.WINDOW_CLOSING,
                f"plan:{plan.pk}:window_closing:{window.number}",
                local_datetime(window.end - dt.timedelta(days=WINDOW_CLOSING_DAYS_BEFORE), PROMPT_TIME),
            ),
        ]
        planned += [Planned(key, kind, due, context) for kind, key, due in prompts if due > now]
    return _write(planned, client=client, plan=plan, now=now)


# --- Plans on hold and staff alerts (scheduling/reactions.py) -----------------------------

_PLAN_HELD = "Withdrawn: the plan is on hold."


def plan_held(*, plan: TreatmentPlan) -> int:
    """Withdraw the plan's pending rebooking prompts and window warnings (she must not be invited
    to book while staff look at a reaction). Returns how many."""
    return Notification.objects.filter(
        plan=plan, kind__in=[Kind.REBOOK_PROMPT, Kind.WINDOW_CLOSING], status=Status.PENDING
    ).update(status=Status.CANCELLED, last_error=_PLAN_HELD, claimed_at=None)


def plan_released(*, plan: TreatmentPlan, now: dt.datetime) -> int:
    """The hold is released: prompts withdrawn for it and still ahead go out as planned."""
    return Notification.objects.filter(
        plan=plan, status=Status.CANCELLED, last_error=_PLAN_HELD, due_at__gt=now
    ).update(status=Status.PENDING, last_error="")


def staff_alert(*, alert: Any, recipients: Iterable[Any], now: dt.datetime) -> list[Notification]:
    """Email the alert at once to each recipient (owner, practitioner), with the client's contact
    details. One row per (alert, recipient): idempotent."""
    client = alert.client
    profile = getattr(client, "client_profile", None)
    base = {
        "kind_label": alert.get_kind_display(),
        "text": alert.text,
        "client_full_name": client.get_full_name() or client.email,
        "client_email": client.email,
        "client_phone": profile.phone if profile else "",
        "plan_line": f"Plan: {alert.plan} (now on hold)." if alert.plan_id else "",
        "record_url": url("scheduling:staff_client_plans", client.pk),
    }
    rows: list[Notification] = []
    for person in recipients:
        planned = Planned(
            key=f"alert:{alert.pk}:to:{person.pk}",
            kind=Kind.STAFF_ALERT,
            due_at=now,
            context={**base, "client_name": person.first_name or "there"},
        )
        rows += _write([planned], client=person, plan=alert.plan, now=now)
    return rows


# --- Reads ---------------------------------------------------------------------------------
