"""What a booked client reads: price, the spa's address with a map link, and how to get ready,
on the confirmation email and in the calendar file; links built on SITE_URL (default: make run's port)."""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings
from icalendar import Calendar

from scheduling.booking.calendars import appointment_ics
from scheduling.booking.services import book_appointment
from scheduling.models import Notification
from tests.scheduling.booking_support import at, monday
from treatments.models import Service


def test_the_confirmation_email_carries_price_address_map_and_pre_care(alice, anna):
    face = Service.objects.get(slug="microneedling-face")
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    row = Notification.objects.get(dedupe_key=f"appt:{appointment.pk}:booking_confirmation")
    for body in (row.body_text, row.body_html):
        assert f"£{face.price}" in body
        assert settings.SPA_ADDRESS in body
        assert "openstreetmap.org" in body
        assert "Stop retinoids" in body or "stop retinoids" in body.lower()


def test_a_consultation_confirmation_has_no_needling_advice_and_says_free(alice, anna):
    consultation = Service.objects.get(slug="consultation")
    anna.services.add(consultation)
    appointment = book_appointment(client=alice, service=consultation, start=at(monday(), 10), booked_by=alice)
    row = Notification.objects.get(dedupe_key=f"appt:{appointment.pk}:booking_confirmation")
    if not consultation.price:
        assert "free" in row.body_text
    assert "retinoids" not in row.body_text.lower()


def test_the_calendar_file_has_the_street_address_price_and_map(alice, anna):
    face = Service.objects.get(slug="microneedling-face")
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    event = next(c for c in Calendar.from_ical(appointment_ics(appointment)).walk() if c.name == "VEVENT")
    assert settings.SPA_ADDRESS in str(event["location"])
    description = str(event["description"])
    assert f"£{face.price}" in description and "openstreetmap.org" in description
    assert f"{settings.SITE_URL}/me/appointments/{appointment.pk}/" in description


def test_site_url_defaults_to_the_port_make_run_serves_on():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='spa.settings'; django.setup(); "
    code += "from django.conf import settings; print(settings.SITE_URL)"
    env = {"PORT": "8801", "DEBUG": "true", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "http://127.0.0.1:8801"
