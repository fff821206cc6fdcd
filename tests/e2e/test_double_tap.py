"""One tap, one booking in a real browser: a double click on "Book it" makes one appointment and
shows her the confirmation (static/js/once.js disables the button; the form token holds it on
the server too)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from scheduling.models import Appointment
from tests.e2e.conftest import log_in
from tests.factories import make_client
from tests.scheduling.booking_support import at, monday

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_double_click_on_book_it_makes_one_booking_and_shows_it(page, rules, anna):
    alice = make_client("dbl@example.com", first_name="Dee", last_name="Tap")
    alice.set_password("a-long-test-password-1")
    alice.save()
    log_in(page, "dbl@example.com", "a-long-test-password-1")
    start = at(monday(), 10)
    page.goto(f"/book/microneedling-face/confirm/?{urlencode({'start': start.isoformat()})}")
    with page.expect_navigation():
        page.dblclick("main form[data-once] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert Appointment.objects.filter(client=alice).count() == 1
    appointment = Appointment.objects.get(client=alice)
    assert page.url.endswith(f"/appointments/{appointment.pk}/") or str(appointment.pk) in page.url
    body = page.inner_text("main")
    assert "taken" not in body
    assert "Booked" in page.content()
