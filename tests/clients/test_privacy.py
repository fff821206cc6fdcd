"""Export and erasure across the layers (clients' registry, scheduling's sections and eraser)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from clients import privacy, services
from clients.models import (
    AuditEntry,
    ClientProfile,
    ConsentSignature,
    DoctorClearance,
    IntakeAnswer,
    IntakeSubmission,
    User,
)
from scheduling.models import Appointment, Notification, PlanSession, TreatmentPlan
from tests.factories import PASSWORD, AppointmentFactory, submit_intake
from treatments.models import Concern, Service, TreatmentArea


@pytest.fixture
def history(alice, anna, staff, settings, tmp_path):
    """Alice with a clearance (and its letter), a plan, a past completed session and a future booking."""
    settings.MEDIA_ROOT = tmp_path
    submit_intake(alice, {"pregnancy", "retinoids"})
    letter = SimpleUploadedFile("gp.pdf", b"%PDF-1.4 letter about Alice", content_type="application/pdf")
    services.grant_clearance(
        client=alice, note="Dr Who: fine to treat Alice", by=staff, letter=letter, expires_on=dt.date(2099, 1, 1)
    )
    plan = TreatmentPlan.objects.create(
        client=alice,
        concern=Concern.objects.get(slug="acne_scars"),
        area=TreatmentArea.objects.get(slug="cheeks"),
        service=Service.objects.get(slug="microneedling-face"),
        depth_min_mm=Decimal("1.00"),
        depth_max_mm=Decimal("1.50"),
        sessions_planned=3,
        sessions_max=5,
        interval_min_weeks=4,
        interval_max_weeks=6,
        notes="Alice prefers mornings",
    )
    past = AppointmentFactory(
        client=alice,
        practitioner=anna,
        plan=plan,
        session_number=1,
        start=timezone.now() - dt.timedelta(days=10),
        status=Appointment.Status.COMPLETED,
        notes="Alice was nervous",
    )
    session = PlanSession.objects.create(
        plan=plan, number=1, appointment=past, depth_used_mm=Decimal("1.00"), notes="Alice: mild redness"
    )
    session.areas.set(TreatmentArea.objects.filter(slug="cheeks"))
    future = AppointmentFactory(client=alice, practitioner=anna, start=timezone.now() + dt.timedelta(days=5))
    Notification.objects.create(
        client=alice,
        kind=Notification.Kind.REMINDER,
        due_at=future.start - dt.timedelta(hours=48),
        dedupe_key=f"appt:{future.pk}:reminder:48h",
        appointment=future,
        subject="See you soon, Alice",
        body_text="Dear Alice Archer, your session is on ...",
    )
    Notification.objects.create(
        client=alice,
        kind=Notification.Kind.BOOKING_CONFIRMATION,
        due_at=past.start - dt.timedelta(days=3),
        status=Notification.Status.SENT,
        sent_at=past.start - dt.timedelta(days=3),
        dedupe_key=f"appt:{past.pk}:booking_confirmation",
        appointment=past,
        subject="Booked, Alice",
        body_text="Dear Alice Archer, you are booked.",
    )
    return {"plan": plan, "past": past, "future": future, "session": session}


def test_the_export_holds_everything_the_spa_holds_about_her(alice, history):
    data = privacy.export_client_data(alice)
    json.dumps(data, cls=DjangoJSONEncoder)  # JSON-ready
    assert data["account"]["email"] == "alice@example.com"
    assert data["profile"]["phone"] == "+447700900123"
    assert data["profile"]["date_of_birth"] == "1990-01-15"
    latest = data["intakes"][0]
    assert {a["slug"]: a["answer"] for a in latest["answers"]}["pregnancy"] is True
    assert data["consents"][0]["signed_name"] == "Alice Archer"
    assert data["clearances"][0]["covers"] == ["pregnancy"]
    assert data["clearances"][0]["letter"].endswith(".pdf")
    assert {a["id"] for a in data["appointments"]} == {history["past"].pk, history["future"].pk}
    assert data["plans"][0]["depth_mm"] == {"min": 1.0, "max": 1.5}
    assert data["plans"][0]["sessions"][0]["notes"] == "Alice: mild redness"
    assert {n["subject"] for n in data["notifications"]} == {"See you soon, Alice", "Booked, Alice"}


def test_an_export_by_staff_is_audited(alice, staff):
    services.export_client_data(user=alice, by=staff)
    assert AuditEntry.objects.filter(client=alice, actor=staff, action=AuditEntry.Action.EXPORT).exists()


def test_erasure_leaves_no_personal_data_and_keeps_anonymous_appointments(
    alice, history, tmp_path, django_capture_on_commit_callbacks
):
    letter_path = tmp_path / DoctorClearance.objects.get(client=alice).letter.name
    assert letter_path.exists()
    pk = alice.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_client(user=alice, by=alice)

    user = User.objects.get(pk=pk)
    assert user.email == f"erased-{pk}@invalid"
    assert (user.first_name, user.last_name) == ("", "")
    assert not user.has_usable_password()
    assert not user.check_password(PASSWORD)
    assert not user.is_active
    profile = ClientProfile.objects.get(user=user)
    assert (profile.phone, profile.date_of_birth, profile.skin_type) == ("", None, None)
    assert profile.erased_at is not None
    assert not ClientProfile.history.filter(phone="+447700900123").exists()
    assert not IntakeSubmission.objects.filter(client=user).exists()
    assert not IntakeAnswer.objects.filter(submission__client=user).exists()
    assert not ConsentSignature.objects.filter(client=user).exists()
    assert not DoctorClearance.objects.filter(client=user).exists()
    assert not letter_path.exists()
    # Appointments kept for the spa's records, without the notes.
    assert Appointment.objects.filter(client=user).count() == 2
    assert Appointment.objects.get(pk=history["future"].pk).status == Appointment.Status.CANCELLED
    assert Appointment.objects.get(pk=history["past"].pk).status == Appointment.Status.COMPLETED
    assert not Appointment.objects.filter(client=user).exclude(notes="").exists()
    assert not Appointment.history.filter(client_id=pk).exclude(notes="").exists()
    assert TreatmentPlan.objects.get(pk=history["plan"].pk).notes == ""
    assert PlanSession.objects.get(pk=history["session"].pk).notes == ""
    # Pending messages withdrawn; what was sent kept without its content.
    statuses = dict(Notification.objects.filter(client=user).values_list("kind", "status"))
    assert statuses == {"reminder": "cancelled", "booking_confirmation": "sent"}
    assert not Notification.objects.filter(client=user).exclude(body_text="").exists()
    # Nothing anywhere in her export mentions her any more.
    exported = json.dumps(privacy.export_client_data(user), cls=DjangoJSONEncoder)
    for trace in ["Alice", "alice@example.com", "+447700900123", "1990-01-15", "Dr Who"]:
        assert trace not in exported, trace
    assert AuditEntry.objects.filter(client=user, action=AuditEntry.Action.ERASE).exists()
    # The audit trail outlives her data, so it names no condition.
    for entry in AuditEntry.objects.filter(client=user):
        assert "pregnan" not in entry.what


def test_erasure_is_all_or_nothing(alice, history, monkeypatch):
    def broken(user):
        raise RuntimeError("eraser failed")

    monkeypatch.setattr(privacy, "_erasers", [*privacy._erasers, broken])
    with pytest.raises(RuntimeError):
        services.erase_client(user=alice, by=alice)
    assert User.objects.get(pk=alice.pk).email == "alice@example.com"
    assert Notification.objects.filter(client=alice, status="pending").exists()
    assert IntakeSubmission.objects.filter(client=alice).exists()


def test_registering_a_section_twice_keeps_one(alice):
    privacy.register_export_section("extra", lambda user: {"id": user.pk})
    privacy.register_export_section("extra", lambda user: {"again": user.pk})
    try:
        assert privacy.export_client_data(alice)["extra"] == {"again": alice.pk}
    finally:
        privacy._export_sections.pop("extra")
