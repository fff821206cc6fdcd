"""Export and erasure of a client's data across the layers, without clients importing scheduling.

Higher apps register what they hold about a client: an export section (a function returning
JSON-ready data) and an eraser (a function anonymising or deleting their rows inside the erasure
transaction). ``scheduling`` registers its own in ``SchedulingConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from clients.errors import ClientsError
from clients.models import (
    AuditEntry,
    ClientProfile,
    ConsentSignature,
    DoctorClearance,
    IntakeSubmission,
    User,
)

ExportSection = Callable[[User], Any]
Eraser = Callable[[User], None]

_export_sections: dict[str, ExportSection] = {}
_erasers: list[Eraser] = []


def register_export_section(name: str, fn: ExportSection) -> None:
    """Add ``name: fn(user)`` to every export. Registering a name again replaces it (idempotent)."""
    _export_sections[name] = fn


def register_eraser(fn: Eraser) -> None:
    """Call ``fn(user)`` inside every erasure's transaction, before the client's own data goes."""
    if fn not in _erasers:
        _erasers.append(fn)


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile(user: User) -> dict[str, Any] | None:
    profile = ClientProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    return {
        "phone": profile.phone,
        "date_of_birth": _iso(profile.date_of_birth),
        "skin_type": profile.skin_type,
        "preferred_channel": profile.preferred_channel,
        "marketing_opt_in": profile.marketing_opt_in,
    }


def _intakes(user: User) -> list[dict[str, Any]]:
    intakes = IntakeSubmission.objects.filter(client=user).prefetch_related("answers__contraindication")
    return [
        {
            "submitted_at": _iso(intake.submitted_at),
            "source": intake.source,
            "questionnaire_version": intake.questionnaire_version,
            "notes": intake.notes,
            "answers": [
                {
                    "slug": answer.contraindication.slug,
                    "question": answer.question,
                    "severity": answer.severity,
                    "answer": answer.answer,
                }
                for answer in intake.answers.all()
            ],
        }
        for intake in intakes
    ]


def _consents(user: User) -> list[dict[str, Any]]:
    return [
        {
            "version": consent.text.version,
            "title": consent.text.title,
            "text": consent.text.body,
            "signed_name": consent.signed_name,
            "signed_at": _iso(consent.signed_at),
            "ip_address": consent.ip_address,
            "user_agent": consent.user_agent,
        }
        for consent in ConsentSignature.objects.filter(client=user).select_related("text")
    ]


def _clearances(user: User) -> list[dict[str, Any]]:
    clearances = (
        DoctorClearance.objects.filter(client=user).select_related("recorded_by").prefetch_related("contraindications")
    )
    return [
        {
            "note": clearance.note,
            "cleared_on": _iso(clearance.cleared_on),
            "expires_on": _iso(clearance.expires_on),
            "covers": [item.slug for item in clearance.contraindications.all()],
            "letter": clearance.letter.name.rsplit("/", 1)[-1] if clearance.letter else None,
            "recorded_by": str(clearance.recorded_by) if clearance.recorded_by else None,
            "recorded_at": _iso(clearance.recorded_at),
        }
        for clearance in clearances
    ]


def _audit_trail(user: User) -> list[dict[str, Any]]:
    """Who saw or changed her record, and when (GDPR art. 15: the recipients of her data)."""
    return [
        {
            "at": _iso(entry.at),
            "action": entry.action,
            "what": entry.what,
            "by": "you" if entry.actor_id == user.pk else (str(entry.actor) if entry.actor else None),
        }
        for entry in AuditEntry.objects.filter(client=user).select_related("actor").order_by("at")
    ]


def _clients_sections(user: User) -> dict[str, Any]:
    return {
        "account": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "profile": _profile(user),
        "intakes": _intakes(user),
        "consents": _consents(user),
        "clearances": _clearances(user),
        "audit_trail": _audit_trail(user),
    }


def export_client_data(user: User) -> dict[str, Any]:
    """Everything the spa holds about a client, as JSON-ready data (clients' and registered sections)."""
    data: dict[str, Any] = {"exported_at": _iso(timezone.now()), **_clients_sections(user)}
    for name, fn in _export_sections.items():
        data[name] = fn(user)
    return data


def erase_client(*, user: User, by: User) -> None:
    """Erase a client's personal and medical data; keep her appointment history anonymised.

    One transaction: the registered erasers (scheduling withdraws pending messages and blanks
    notes), then intakes, consents and clearances (and the letter files, after commit) are
    deleted, the profile and its history wiped, and the account anonymised and disabled.
    """
    if user.is_staff or user.is_superuser:
        raise ClientsError("staff_account")
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=user.pk)
        for fn in _erasers:
            fn(user)
        letters = [c.letter.name for c in DoctorClearance.objects.filter(client=user) if c.letter]
        IntakeSubmission.objects.filter(client=user).delete()
        ConsentSignature.objects.filter(client=user).delete()
        DoctorClearance.objects.filter(client=user).delete()
        profile, _ = ClientProfile.objects.get_or_create(user=user)
        profile.phone = ""
        profile.date_of_birth = None
        profile.skin_type = None
        profile.preferred_channel = ClientProfile.Channel.EMAIL
        profile.marketing_opt_in = False
        profile.access_token = uuid.uuid4()
        profile.erased_at = timezone.now()
        profile.skip_history_when_saving = True
        profile.save()
        # The profile's history holds every earlier phone number and date of birth.
        ClientProfile.history.filter(id=profile.pk).delete()
        old_email = user.email
        user.email = f"erased-{user.pk}@invalid"
        user.first_name = ""
        user.last_name = ""
        user.set_unusable_password()
        user.is_active = False
        user.save()
        _forget_login_traces(user=user, email=old_email)
        AuditEntry.objects.create(
            actor=by if by.pk != user.pk else None, client=user, action=AuditEntry.Action.ERASE, what="account erased"
        )
        transaction.on_commit(lambda: _delete_files(letters), robust=True)


def _forget_login_traces(*, user: User, email: str) -> None:
    """API tokens and django-axes' records of her email go with the account."""
    Token.objects.filter(user=user).delete()
    AccessAttempt.objects.filter(username__iexact=email).delete()
    AccessLog.objects.filter(username__iexact=email).delete()
    AccessFailureLog.objects.filter(username__iexact=email).delete()


def _delete_files(names: list[str]) -> None:
    for name in names:
        # Best effort after commit: a file already gone is no loss, the row is erased either way.
        try:
            default_storage.delete(name)
        except OSError:
            continue
