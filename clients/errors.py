"""Clients' one error type. Messages declared once; the API maps ``status`` to HTTP."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext_lazy as _

from spa.lib.errors import DomainError


class ClientsError(DomainError):
    """A rule about people refused an action. ``field`` names the form field when there is one.

    ``field_errors`` carries several field errors at once (an incomplete questionnaire); those
    keyed by a question's slug (``questions``) are nested under ``answers`` in the API.
    """

    ERROR_MESSAGES = {
        "invalid": _("Please correct the errors below."),
        "email_taken": _("An account with this email address already exists."),
        "invalid_phone": _("Enter a phone number we can call, e.g. 07700 900123 or +44 7700 900123."),
        "under_age_signup": _(
            "You must be %(age)s or over to create an account. Skin needling for younger clients needs a "
            "parent or guardian's consent in person: please call the spa."
        ),
        "invalid_date_of_birth": _("Enter a real date of birth."),
        "unanswered": _("Please answer every question."),
        "unknown_question": _("These answers are not questions of the questionnaire: %(slugs)s."),
        "no_consent_text": _("The spa has not published its consent form yet. Please call us."),
        "consent_not_accepted": _("Tick the box to confirm that you have read and accept the consent."),
        "name_mismatch": _("Type your full name exactly as on your profile: %(name)s."),
        "nothing_to_clear": _("This client has no answer that needs a doctor's clearance."),
        "not_doctor_clearance": _("A doctor's clearance can only lift questions that need one."),
        "bad_expiry": _("The clearance cannot expire before it was given."),
        "expiry_required": _("Give the date this clearance ends (%(names)s: the expected end)."),
        "not_a_client": _("That account is not a client."),
        "confirm_required": _("Confirm that you want your account and data deleted."),
        "wrong_password": _("That password is not right."),
        "staff_account": _("Staff accounts are closed by the spa's admin, not online."),
        "staff_only": _("Only staff record a doctor's clearance."),
    }
    STATUS = {"staff_account": 403, "staff_only": 403}

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        field: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
        questions: Collection[str] = (),
        **params: object,
    ) -> None:
        super().__init__(code, message, field=field, **params)
        self._field_errors = field_errors
        self.questions = frozenset(questions)

    @property
    def field_errors(self) -> dict[str, list[str]]:
        return self._field_errors or super().field_errors

    def api_field_errors(self) -> dict[str, Any]:
        """``{field: [messages]}``, the questions' as ``{"answers": {slug: [messages]}}``."""
        errors: dict[str, Any] = {}
        for field, messages in self.field_errors.items():
            if field in self.questions:
                errors.setdefault("answers", {})[field] = messages
            else:
                errors[field] = messages
        return errors
