"""The point of care, part three: reactions are acted on.

A session recorded with a ``strong`` reaction, an adverse event entered by staff, or the
client's own "I have a problem" report from her results page each:

- open an ``Alert`` for the owner and the session's practitioner: on the owner's dashboard until
  resolved, and by email at once through the outbox, with her contact details;
- put her plan ``on_hold``: the next session cannot be booked online
  (``scheduling.booking.services`` refuses ``plan_on_hold``), and pending rebooking prompts and window
  warnings are withdrawn;
- cap the next suggested depth at the last depth minus 0.25 mm (``PlanSession.next_depth_cap_mm``,
  read by ``plans.suggested_depth_from``).

A practitioner releases the hold with a note (``release_plan_hold``); the note resolves the
plan's open alerts and the prompts still ahead come back.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from clients.models import User
from scheduling.care.rules import reason_is_enough, recording_practitioner
from scheduling.errors import SchedulingError
from scheduling.models import AdverseEvent, Alert, PlanSession, Practitioner, TreatmentPlan
from scheduling.notifications import outbox
from scheduling.plans.selectors import DEPTH_STEP
from treatments.models import DEPTH_FLOOR

#: The owner's role (Django group) besides superusers; the roles work names it so.
OWNER_GROUP = "owner"
PROBLEM_MIN_CHARS = 10


def owners() -> QuerySet[User]:
    """Who runs the spa: superusers and the ``owner`` group."""
    return User.objects.filter(Q(is_superuser=True) | Q(groups__name=OWNER_GROUP), is_active=True).distinct()


def _practitioner_of(record: PlanSession | None) -> Practitioner | None:
    if record is None or record.appointment_id is None:
        return None
    return record.appointment.practitioner


def _hold(plan: TreatmentPlan, *, reason: str, now: dt.datetime) -> None:
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != TreatmentPlan.Status.ACTIVE:
        return
    locked.status = TreatmentPlan.Status.ON_HOLD
    locked.hold_reason = reason[:300]
    locked.held_at = now
    locked.save(update_fields=["status", "hold_reason", "held_at"])
    plan.status, plan.hold_reason, plan.held_at = locked.status, locked.hold_reason, locked.held_at
    outbox.plan_held(plan=locked)


def _cap_next_depth(record: PlanSession) -> None:
    cap = max(record.depth_used_mm - DEPTH_STEP, DEPTH_FLOOR)
    if record.next_depth_cap_mm is None or cap < record.next_depth_cap_mm:
        PlanSession.objects.filter(pk=record.pk).update(next_depth_cap_mm=cap)
        record.next_depth_cap_mm = cap


def open_alert(
    *,
    kind: str,
    client: User,
    text: str,
    record: PlanSession | None,
    plan: TreatmentPlan | None,
    adverse_event: AdverseEvent | None = None,
    now: dt.datetime,
) -> Alert:
    """Inside the caller's transaction: the alert, the hold, the depth cap and the emails."""
    practitioner = _practitioner_of(record)
    alert = Alert.objects.create(
        kind=kind,
        client=client,
        plan=plan,
        session=record,
        practitioner=practitioner,
        adverse_event=adverse_event,
        text=text,
        created_at=now,
    )
    if plan is not None:
        _hold(plan, reason=f"{alert.get_kind_display()} on {now:%-d %b %Y}", now=now)
    if record is not None:
        _cap_next_depth(record)
    recipients = {person.pk: person for person in owners()}
    if practitioner is not None:
        recipients[practitioner.user_id] = practitioner.user
    outbox.staff_alert(alert=alert, recipients=recipients.values(), now=now)
    return alert


def strong_reaction_recorded(*, record: PlanSession, now: dt.datetime) -> Alert:
    """Called by ``recording.record_session`` inside its transaction."""
    areas = ", ".join(area.name.lower() for area in record.areas.all())
    notes = f" Notes: {record.notes}" if record.notes else ""
    return open_alert(
        kind=Alert.Kind.STRONG_REACTION,
        client=record.appointment.client,
        text=f"Strong reaction recorded at {record.depth_used_mm} mm ({areas}).{notes}",
        record=record,
        plan=record.plan if record.plan_id else None,
        now=now,
    )


def _latest_record(client: User) -> PlanSession | None:
    return (
        PlanSession.objects.filter(appointment__client=client)
        .select_related("plan", "appointment__practitioner__user", "appointment__client")
        .order_by("-completed_at", "-pk")
        .first()
    )


def report_problem(*, record: PlanSession, client: User, text: str, now: dt.datetime | None = None) -> Alert:
    """Her "I have a problem" after a session (separate from the rating): staff are alerted at once."""
    now = now or timezone.now()
    owner_id = record.plan.client_id if record.plan_id else record.appointment.client_id
    if owner_id != client.pk:
        raise SchedulingError("not_your_session")
    words = " ".join(text.split())
    if len(words) < PROBLEM_MIN_CHARS:
        raise SchedulingError("problem_required", field="text")
    with transaction.atomic(durable=True):
        return open_alert(
            kind=Alert.Kind.CLIENT_REPORT,
            client=client,
            text=f"She reports after session of {record.completed_at:%-d %b %Y}: “{words[:1000]}”",
            record=record,
            plan=record.plan if record.plan_id else None,
            now=now,
        )


def record_adverse_event(
    *,
    client: User,
    kind: str,
    onset: dt.date,
    severity: str,
    action: str,
    outcome: str = "",
    record: PlanSession | None = None,
    by: User,
    now: dt.datetime | None = None,
) -> AdverseEvent:
    """Staff record an adverse event (DOMAIN.md list); it alerts and holds like a strong reaction.
    Without ``record`` it is tied to her latest session record."""
    now = now or timezone.now()
    if not by.is_staff:
        raise SchedulingError("staff_only")
    problems = []
    if kind not in AdverseEvent.Kind.values:
        problems.append("Choose the kind of event.")
    if severity not in AdverseEvent.Severity.values:
        problems.append("Choose how severe it is.")
    if onset is None or onset > now.date() + dt.timedelta(days=1):
        problems.append("Give the day it started (not in the future).")
    if not action.strip():
        problems.append("Say what was done.")
    if problems:
        raise SchedulingError("bad_adverse_event", reason=" ".join(problems))
    record = record or _latest_record(client)
    plan = record.plan if record is not None and record.plan_id else None
    with transaction.atomic(durable=True):
        event = AdverseEvent.objects.create(
            client=client,
            session=record,
            plan=plan,
            kind=kind,
            onset=onset,
            severity=severity,
            action=action.strip(),
            outcome=outcome.strip(),
            recorded_by=by,
            recorded_at=now,
        )
        open_alert(
            kind=Alert.Kind.ADVERSE_EVENT,
            client=client,
            text=f"{event.get_kind_display()} ({event.get_severity_display().lower()}) since {onset:%-d %b %Y}. "
            f"Action: {event.action}",
            record=record,
            plan=plan,
            adverse_event=event,
            now=now,
        )
    return event


def release_plan_hold(*, plan: TreatmentPlan, note: str, by: User, now: dt.datetime | None = None) -> TreatmentPlan:
    """A practitioner releases a plan from hold with a note; its open alerts are resolved with it."""
    now = now or timezone.now()
    recording_practitioner(by)
    if not reason_is_enough(note):
        raise SchedulingError("note_required", field="note")
    with transaction.atomic(durable=True):
        locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
        if locked.status != TreatmentPlan.Status.ON_HOLD:
            raise SchedulingError("plan_not_on_hold")
        locked.status = TreatmentPlan.Status.ACTIVE
        locked.hold_reason = ""
        locked.held_at = None
        locked._change_reason = f"Hold released: {note.strip()}"[:100]
        locked.save(update_fields=["status", "hold_reason", "held_at"])
        Alert.objects.filter(plan=locked, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=by, resolution_note=note.strip()
        )
        outbox.plan_released(plan=locked, now=now)
    return locked


def resolve_alert(*, alert: Alert, note: str, by: User, now: dt.datetime | None = None) -> Alert:
    """Close an alert that has no plan to release (a session without a plan), with a note."""
    now = now or timezone.now()
    if not by.is_staff:
        raise SchedulingError("staff_only")
    if not reason_is_enough(note):
        raise SchedulingError("note_required", field="note")
    with transaction.atomic(durable=True):
        Alert.objects.filter(pk=alert.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=by, resolution_note=note.strip()
        )
    alert.refresh_from_db()
    return alert
