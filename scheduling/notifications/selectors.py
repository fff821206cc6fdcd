"""Reads of the outbox: a client's messages, the staff outbox page, and whether a row is still wanted when it is due."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from scheduling.models import Notification, TreatmentPlan
from scheduling.plans.windows import active_sessions


def base_key(key: str) -> str:
    """``appt:1:reminder:48h@1767225600`` → ``appt:1:reminder:48h`` (a re-issue after a reschedule)."""
    return key.split("@", 1)[0]


def still_wanted(notification: Notification) -> str | None:
    """Checked when a row is about to be sent: the reason to skip it, or None to send.

    A rebooking prompt or window warning is pointless once the session it invites to book is
    booked, or when the plan has ended.
    """
    if (
        notification.kind not in (Notification.Kind.REBOOK_PROMPT, Notification.Kind.WINDOW_CLOSING)
        or notification.plan_id is None
    ):
        return None
    plan = TreatmentPlan.objects.get(pk=notification.plan_id)
    if plan.status != TreatmentPlan.Status.ACTIVE:
        return f"Skipped: the plan is {plan.get_status_display().lower()}."
    number = int(base_key(notification.dedupe_key).rsplit(":", 1)[1])
    if number in active_sessions(plan):
        return f"Skipped: session {number} is already booked."
    return None


def notifications_for_client(*, client: Any) -> QuerySet[Notification]:
    """Her messages, sent, upcoming and withdrawn, newest first (the Messages page and the API)."""
    return Notification.objects.filter(client=client).order_by("-due_at", "-pk")


def outbox_rows() -> QuerySet[Notification]:
    """The staff outbox, newest due first (``scheduling.filters.OutboxFilter`` narrows it)."""
    return Notification.objects.select_related("client").order_by("-due_at", "-pk")
