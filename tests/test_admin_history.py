"""The admin's history pages show every version and write none (spa/lib/admin.HistoryAdmin).

django-simple-history's version page would save the old instance on POST ("Revert"), read-only
fields included: an appointment back at an old time without the booking rules.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from scheduling.models import AdverseEvent, Appointment
from tests.factories import AppointmentFactory


@pytest.fixture
def moved(alice, anna):
    """An appointment with two versions: booked at 10:00, then moved (by the services) to 14:00."""
    appointment = AppointmentFactory(client=alice, practitioner=anna)
    first_version = appointment.history.earliest()
    later = appointment.start + dt.timedelta(hours=4)
    appointment.start, appointment.end = later, later + dt.timedelta(hours=1)
    appointment.blocked_until = appointment.end
    appointment.save()
    return appointment, first_version


def test_the_owner_reads_an_old_version(client, owner, moved):
    appointment, first_version = moved
    client.force_login(owner)
    url = reverse("admin:scheduling_appointment_simple_history", args=[appointment.pk, first_version.history_id])
    response = client.get(url)
    assert response.status_code == 200
    assert b"Revert" not in response.content


def test_posting_an_old_version_reverts_nothing(client, owner, moved):
    appointment, first_version = moved
    client.force_login(owner)
    url = reverse("admin:scheduling_appointment_simple_history", args=[appointment.pk, first_version.history_id])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    response = client.post(url, {**data, "_change_history": "1"})
    assert response.status_code == 405
    appointment.refresh_from_db()
    assert appointment.start == first_version.start + dt.timedelta(hours=4)
    assert appointment.history.count() == 2


def test_every_history_admin_is_read_only():
    """A new admin with history must use HistoryAdmin, not django-simple-history's own."""
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    from spa.lib.admin import HistoryAdmin

    writable = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin) and not isinstance(model_admin, HistoryAdmin)
    ]
    assert writable == []
    assert AdverseEvent in admin.site._registry and Appointment in admin.site._registry
