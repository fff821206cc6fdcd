"""Small rules shared by the point-of-care modules (``recording``, ``reactions``): who records,
what counts as a reason (the depth step is the plans' ``DEPTH_STEP``)."""

from __future__ import annotations

from clients.models import User
from scheduling.errors import SchedulingError
from scheduling.models import Practitioner

#: A reason or a note says why in a few words: "." or "ok" is not a reason.
MIN_REASON_WORDS = 3
MIN_REASON_CHARS = 15


def reason_is_enough(reason: str) -> bool:
    text = " ".join(reason.split())
    return len(text) >= MIN_REASON_CHARS and len(text.split()) >= MIN_REASON_WORDS


def recording_practitioner(user: User) -> Practitioner:
    """The practitioner acting: staff with an active practitioner record (front desk cannot)."""
    if not user.is_staff:
        raise SchedulingError("staff_only")
    practitioner = Practitioner.objects.filter(user=user, active=True).first()
    if practitioner is None:
        raise SchedulingError("not_a_practitioner")
    return practitioner
