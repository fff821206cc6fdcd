"""Human labels for every status and code shown on a page, in one place.

Codes stay in the data and the API (SPEC.md); people read these. Templates use the ``label``
filter (``{{ screening.status|label:"screening" }}``, from ``{% load labels %}``).
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "screening": {
        "clear": "Clear to book",
        "staff_review": "Practitioner to review",
        "doctor_clearance": "Doctor's clearance needed",
        "blocked": "Not bookable yet",
        "expired": "Questionnaire expired",
        "missing": "No questionnaire yet",
    },
    "severity": {
        "blocks": "Stops treatment",
        "doctor_clearance": "Doctor's clearance",
        "staff_review": "Practitioner reviews",
        "advice": "Advice only",
    },
    "appointment": {
        "booked": "Booked",
        "checked_in": "Checked in",
        "completed": "Completed",
        "cancelled": "Cancelled",
        "no_show": "Did not attend",
    },
    "message": {
        "pending": "Waiting to send",
        "sending": "Sending",
        "sent": "Sent",
        "cancelled": "Withdrawn",
        "failed": "Failed",
    },
}


def label(value: object, group: str = "") -> str:
    """The label of ``value`` in ``group``; an unknown code reads as words ("no_show" → "No show")."""
    text = "" if value is None else str(value)
    known = LABELS.get(group, {}).get(text)
    if known:
        return known
    for labels in LABELS.values():
        if text in labels and not group:
            return labels[text]
    return text.replace("_", " ").capitalize()
