"""Which practitioners fit a whole treatment plan.

A plan's depth rises session by session, from its minimum towards its maximum (0.25 mm steps as
the skin tolerates it, DOMAIN.md). A practitioner allowed only the first depth would have to hand
the client over half-way, or be pressed to stay shallow: so course proposals and the plan's
day picker offer only practitioners whose limit covers the plan's *maximum* depth.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import QuerySet

from scheduling.models import Appointment, Practitioner, TreatmentPlan


def course_depth(plan: TreatmentPlan) -> Decimal:
    """The depth a practitioner must be allowed to give every session of the plan."""
    return plan.depth_max_mm


def course_practitioners(plan: TreatmentPlan) -> QuerySet[Practitioner]:
    """Who may give every session of the plan: active, performing its service, allowed its maximum depth."""
    return Practitioner.objects.filter(
        active=True, services=plan.service_id, max_depth_mm__gte=course_depth(plan)
    ).order_by("position", "display_name")


def depth_warnings(*, depth: Decimal, appointments: Iterable[Appointment | None]) -> list[str]:
    """Booked sessions whose practitioner may not needle to ``depth`` (the suggested next depth).

    Staff and the client both see these on the plan page, so the session is moved in time rather
    than found out in the treatment room.
    """
    return [
        f"Session {a.session_number} is booked with {a.practitioner.display_name}, who may needle up to "
        f"{a.practitioner.max_depth_mm} mm, but the suggested depth is now {depth} mm. "
        "Please move it to a practitioner who may treat that deep (we can do it for you)."
        for a in appointments
        if a is not None and a.status == Appointment.Status.BOOKED and a.practitioner.max_depth_mm < depth
    ]
