"""The Messages page (hers only) and the staff outbox (filters, errors, resend)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scheduling.models import Notification
from spa.lib.roles import FRONT_DESK, assign_role
from tests.factories import UserFactory
from tests.scheduling.plans_support import local
from tests.scheduling.test_dispatch import make_row

Status = Notification.Status


@pytest.fixture
def staff(db):
    user = UserFactory(email="desk@example.com", is_staff=True)
    assign_role(user, FRONT_DESK)
    return user


def test_her_messages_page_shows_sent_upcoming_and_withdrawn_newest_first(client, alice, bob):
    make_row(alice, due_at=local(2026, 12, 1, 9), key="a:1", status=Status.SENT, subject="Booked: face")
    make_row(alice, due_at=local(2026, 12, 7, 9), key="a:2", status=Status.CANCELLED, subject="Reminder: face")
    make_row(alice, due_at=local(2026, 12, 9, 9), key="a:3", subject="Aftercare: day one")
    make_row(bob, due_at=local(2026, 12, 2, 9), key="b:1", subject="Bob's secret")
    client.force_login(alice)
    page = client.get(reverse("scheduling:messages")).content.decode()
    assert page.index("Aftercare: day one") < page.index("Booked: face")
    # Withdrawn ones are folded away below the live ones, behind a toggle.
    assert page.index("Booked: face") < page.index("<details") < page.index("Reminder: face")
    assert "Withdrawn" in page and "Scheduled" in page and "Sent" in page
    assert "Sun protection every day." in page
    assert "Bob&#x27;s secret" not in page and "Bob's secret" not in page


def test_messages_page_needs_a_login(client):
    response = client.get(reverse("scheduling:messages"))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("count", [1, 50])
def test_messages_page_queries_stay_constant(client, alice, count, django_assert_max_num_queries):
    for i in range(count):
        make_row(alice, due_at=local(2026, 12, 1, 9), key=f"a:{i}", subject=f"Note #{i:03d}")
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("scheduling:messages"))
    assert response.status_code == 200
    page = response.content.decode()
    assert [i for i in range(count) if f"Note #{i:03d}" in page] == list(range(count))


def test_staff_outbox_filters_and_shows_errors(client, staff, alice, bob):
    make_row(alice, due_at=local(2026, 12, 1, 9), key="a:1", status=Status.FAILED, last_error="SMTPError: 550 mailbox")
    make_row(bob, due_at=local(2026, 12, 2, 9), key="b:1", status=Status.SENT, subject="Sent one")
    make_row(bob, due_at=local(2026, 12, 5, 9), key="b:2", channel="sms", subject="Texted one")
    client.force_login(staff)
    url = reverse("scheduling:staff_outbox")
    page = client.get(url).content.decode()
    assert "SMTPError: 550 mailbox" in page and "Resend" in page and "Sent one" in page
    failed = client.get(url, {"status": "failed"}).content.decode()
    assert "SMTPError" in failed and "Sent one" not in failed
    assert "Texted one" in client.get(url, {"channel": "sms"}).content.decode()
    assert "Sent one" not in client.get(url, {"channel": "sms"}).content.decode()
    dated = client.get(url, {"day_from": "2026-12-02", "day_to": "2026-12-02"}).content.decode()
    assert "Sent one" in dated and "Texted one" not in dated and "SMTPError" not in dated
    assert client.get(url, {"kind": "nonsense"}).status_code == 200  # a bad filter is ignored, not a 500


def test_staff_resend_puts_a_failed_message_back(client, staff, alice):
    row = make_row(alice, due_at=local(2026, 12, 1, 9), key="a:1", status=Status.FAILED, attempts=5)
    client.force_login(staff)
    response = client.post(
        reverse("scheduling:staff_outbox_resend", args=[row.pk]), {"next": "/staff/outbox/?status=failed"}
    )
    assert response.status_code == 302 and response["Location"] == "/staff/outbox/?status=failed"
    row.refresh_from_db()
    assert row.status == Status.PENDING and row.attempts == 0
    again = client.post(
        reverse("scheduling:staff_outbox_resend", args=[row.pk]), {"next": "https://evil.example/"}, follow=True
    )
    assert again.redirect_chain[-1][0] == reverse("scheduling:staff_outbox")
    assert "Only a failed message can be sent again" in again.content.decode()


def test_clients_cannot_use_the_staff_outbox(client, alice, bob):
    row = make_row(alice, due_at=local(2026, 12, 1, 9), key="a:1", status=Status.FAILED)
    client.force_login(bob)
    assert client.get(reverse("scheduling:staff_outbox")).status_code == 403
    assert client.post(reverse("scheduling:staff_outbox_resend", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.status == Status.FAILED
    client.logout()
    assert client.get(reverse("scheduling:staff_outbox")).status_code == 302


@pytest.mark.parametrize("count", [1, 50])
def test_staff_outbox_queries_stay_constant(client, staff, alice, count, django_assert_max_num_queries):
    for i in range(count):
        make_row(alice, due_at=local(2026, 12, 1, 9), key=f"a:{i}", status=Status.FAILED, last_error=f"Error #{i:03d}")
    client.force_login(staff)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("scheduling:staff_outbox"))
    assert response.status_code == 200
    page = response.content.decode()
    assert [i for i in range(count) if f"Error #{i:03d}" in page] == list(range(count))
