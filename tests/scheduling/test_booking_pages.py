"""The client booking pages: services, day picker (plain and htmx), confirm, my appointments,
detail, cancel, reschedule. Bob never sees or changes Alice's things."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.urls import reverse

from scheduling.booking.services import book_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment
from tests.factories import AppointmentFactory, PractitionerFactory, make_client, sign_consent, submit_intake
from tests.scheduling.booking_support import at, make_plan, monday
from treatments.models import Service


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")


def service_url(**params: object) -> str:
    url = reverse("scheduling:book_service", args=["microneedling-face"])
    return f"{url}?{urlencode(params)}" if params else url


def confirm_url(start: dt.datetime, **params: object) -> str:
    url = reverse("scheduling:book_confirm", args=["microneedling-face"])
    return f"{url}?{urlencode({'start': start.isoformat(), **params})}"


def test_the_service_list_is_public(client, anna, face):
    response = client.get(reverse("scheduling:book"))
    assert response.status_code == 200
    assert face.name in response.content.decode()


def test_the_day_picker_shows_free_times_without_javascript(client, anna, face):
    response = client.get(service_url(day=monday().isoformat()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert ">09:00" in html
    assert ">13:00" not in html
    assert reverse("scheduling:book_confirm", args=["microneedling-face"]) in html


def test_htmx_gets_only_the_slots_partial(client, anna, face):
    response = client.get(service_url(day=monday().isoformat()), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="slots"' in html
    assert ">09:00" in html


def test_a_taken_time_is_not_shown_for_a_chosen_practitioner(client, alice, anna, face):
    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    html = client.get(service_url(day=monday().isoformat(), practitioner=anna.pk)).content.decode()
    assert ">10:00" not in html
    assert ">11:15" in html


def test_bob_cannot_use_alices_plan_on_the_booking_pages(client, alice, bob, anna, face):
    plan = make_plan(alice)
    client.force_login(bob)
    assert client.get(service_url(plan=plan.pk)).status_code == 404
    client.force_login(alice)
    assert client.get(service_url(plan=plan.pk)).status_code == 200


def test_confirming_needs_a_login(client, anna, face):
    response = client.get(confirm_url(at(monday(), 10)))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_client_who_must_fill_the_intake_is_sent_there_and_brought_back(client, rules, anna, face):
    newcomer = make_client(screened=False)
    client.force_login(newcomer)
    chosen = confirm_url(at(monday(), 10))
    response = client.get(chosen)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('clients:intake')}?{urlencode({'next': chosen})}"


def test_confirm_then_book_then_see_the_detail(client, alice, anna, face):
    client.force_login(alice)
    page = client.get(confirm_url(at(monday(), 10)))
    assert page.status_code == 200
    assert "Book it" in page.content.decode()
    response = client.post(
        reverse("scheduling:book_confirm", args=["microneedling-face"]), {"start": at(monday(), 10).isoformat()}
    )
    appointment = Appointment.objects.get(client=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("scheduling:appointment_detail", args=[appointment.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "Cancel" in detail and "Reschedule" in detail


def test_a_repeated_book_it_shows_her_booking_not_a_taken_slot(client, alice, anna, face):
    client.force_login(alice)
    page = client.get(confirm_url(at(monday(), 10))).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    assert "data-once" in page
    url = reverse("scheduling:book_confirm", args=["microneedling-face"])
    posted = {"start": at(monday(), 10).isoformat(), "token": token}
    first = client.post(url, posted)
    second = client.post(url, posted, follow=True)
    appointment = Appointment.objects.get(client=alice)
    assert first["Location"] == reverse("scheduling:appointment_detail", args=[appointment.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    html = second.content.decode()
    assert "taken" not in html and "Cancel" in html


def test_a_slot_taken_meanwhile_sends_her_back_with_a_message_not_an_error(client, alice, bob, anna, face):
    book_appointment(client=bob, service=face, start=at(monday(), 10), practitioner=anna, booked_by=bob)
    client.force_login(alice)
    url = reverse("scheduling:book_confirm", args=["microneedling-face"])
    response = client.post(url, {"start": at(monday(), 10).isoformat(), "practitioner": anna.pk}, follow=True)
    assert response.status_code == 200
    assert "just been taken" in response.content.decode()
    assert not Appointment.objects.filter(client=alice).exists()


def test_my_appointments_shows_only_mine_in_constant_queries(
    client, alice, bob, anna, face, django_assert_max_num_queries
):
    AppointmentFactory(client=bob, practitioner=anna, service=face, start=at(monday(), 15))
    AppointmentFactory(client=alice, practitioner=anna, service=face, start=at(monday(), 10))
    client.force_login(alice)
    with django_assert_max_num_queries(6):
        html = client.get(reverse("scheduling:my_appointments")).content.decode()
    assert html.count("Microneedling: face with") == 1
    for n in range(49):
        AppointmentFactory(
            client=alice, practitioner=anna, service=face, start=at(monday(2) + dt.timedelta(days=n), 10)
        )
    with django_assert_max_num_queries(6):
        html = client.get(reverse("scheduling:my_appointments")).content.decode()
    assert html.count("Microneedling: face with") == 50


def test_bob_gets_404_on_alices_detail_cancel_and_reschedule(client, alice, bob, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    client.force_login(bob)
    for name in ("appointment_detail", "appointment_cancel", "appointment_reschedule"):
        url = reverse(f"scheduling:{name}", args=[appointment.pk])
        assert client.get(url).status_code == 404
        refused = 405 if name == "appointment_detail" else 404  # the detail page takes no POST at all
        assert client.post(url, {"start": at(monday(), 15).isoformat()}).status_code == refused
    appointment.refresh_from_db()
    assert (appointment.status, appointment.start) == ("booked", at(monday(), 10))


def test_cancel_asks_first_then_cancels(client, alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    client.force_login(alice)
    url = reverse("scheduling:appointment_cancel", args=[appointment.pk])
    assert "Yes, cancel it" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "cancelled" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_a_late_cancel_is_refused_with_call_the_spa(client, alice, anna, face, settings):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    settings.SPA_CANCELLATION_CUTOFF_HOURS = 24 * 30
    client.force_login(alice)
    response = client.post(reverse("scheduling:appointment_cancel", args=[appointment.pk]), follow=True)
    assert "call the spa" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_reschedule_page_lists_times_and_moves_the_appointment(client, alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    client.force_login(alice)
    url = reverse("scheduling:appointment_reschedule", args=[appointment.pk])
    page = client.get(f"{url}?day={monday().isoformat()}").content.decode()
    assert ">10:00" in page  # her own time is not busy for herself
    partial = client.get(f"{url}?day={monday().isoformat()}", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="slots"' in partial
    response = client.post(url, {"start": at(monday(), 15).isoformat()})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == at(monday(), 15)


def test_pages_refuse_a_blocked_client_at_booking_without_a_500(client, rules, anna, face):
    blocked = make_client(screened=False)
    submit_intake(blocked, {"keloid"})
    client.force_login(blocked)
    url = reverse("scheduling:book_confirm", args=["microneedling-face"])
    response = client.post(url, {"start": at(monday(), 10).isoformat()})
    # No bounce to the questionnaire she has already filled in: why, what next, and our contacts.
    assert response.status_code == 200
    page = response.content.decode()
    assert "please call the spa" in page and settings.SPA_PHONE in page
    assert not Appointment.objects.exists()


def test_rescheduling_a_plan_session_offers_only_days_inside_its_window(client, alice, anna):
    plan = make_plan(alice)
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    second = book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    client.force_login(alice)
    url = reverse("scheduling:appointment_reschedule", args=[second.pk])
    outside = client.get(f"{url}?day={monday(2).isoformat()}").content.decode()
    assert ">09:00" not in outside
    inside = client.get(f"{url}?day={(monday(5) + dt.timedelta(days=1)).isoformat()}").content.decode()
    assert ">09:00" in inside


@pytest.mark.parametrize("people", [1, 8])
def test_the_day_picker_runs_a_constant_number_of_queries(client, anna, face, people, django_assert_max_num_queries):
    for n in range(people - 1):
        PractitionerFactory(display_name=f"P{n}")
    with django_assert_max_num_queries(10):
        response = client.get(service_url(day=monday().isoformat()))
    assert response.status_code == 200
    page = response.content.decode()
    assert ">09:00</" in page and ">17:00</" in page  # the day's times are on the page
    assert [n for n in range(people - 1) if f">P{n}</option>" in page] == list(range(people - 1))


def test_a_time_taken_while_she_signed_up_is_rechecked_on_the_confirm_page(client, alice, bob, anna, face):
    client.force_login(alice)
    chosen = confirm_url(at(monday(), 10), practitioner=anna.pk)
    assert client.get(chosen).status_code == 200
    book_appointment(client=bob, service=face, start=at(monday(), 10), practitioner=anna, booked_by=bob)
    response = client.get(chosen, follow=True)
    assert response.redirect_chain[-1][0].startswith(service_url())
    assert "just been taken" in response.content.decode()


def pregnant_client():
    pregnant = make_client(screened=False)
    submit_intake(pregnant, {"pregnancy"})
    sign_consent(pregnant)
    return pregnant


def test_a_client_waiting_for_clearance_sees_why_and_our_contacts_before_any_calendar(client, rules, anna, face):
    client.force_login(pregnant_client())
    page = client.get(service_url()).content.decode()
    assert "slot-list" not in page and "day-picker" not in page
    assert "doctor&#x27;s clearance" in page
    for contact in (settings.SPA_PHONE, settings.SPA_EMAIL, settings.SPA_ADDRESS):
        assert contact in page
    # The free consultation is offered instead, and its calendar is open to her.
    consultation = reverse("scheduling:book_service", args=["consultation"])
    assert consultation in page
    assert "slot-list" in client.get(consultation + f"?day={monday().isoformat()}").content.decode()


def test_a_client_waiting_for_clearance_books_the_consultation(client, rules, anna):
    anna.services.add(Service.objects.get(slug="consultation"))
    pregnant = pregnant_client()
    client.force_login(pregnant)
    url = reverse("scheduling:book_confirm", args=["consultation"])
    response = client.post(url, {"start": at(monday(), 10).isoformat()})
    assert response.status_code == 302
    assert Appointment.objects.get(client=pregnant).service.slug == "consultation"
    # Needling stays refused, with the gate rather than a bounce to the questionnaire.
    refused = client.post(confirm_url(at(monday(), 14)))
    assert refused.status_code == 200 and "gate-title" in refused.content.decode()
    assert Appointment.objects.filter(client=pregnant).count() == 1


def test_staff_booking_a_client_waiting_for_clearance_read_staff_words(rules, anna, face):
    pregnant = pregnant_client()
    with pytest.raises(SchedulingError) as error:
        book_appointment(client=pregnant, service=face, start=at(monday(), 10), booked_by=anna.user)
    assert error.value.code == "screening"
    assert "Record it on her client page" in error.value.message
    assert "pregnancy" in error.value.message


def test_rescheduling_asks_to_confirm_before_moving(client, alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    client.force_login(alice)
    url = reverse("scheduling:appointment_reschedule", args=[appointment.pk])
    picker = client.get(f"{url}?day={monday().isoformat()}").content.decode()
    assert 'method="post"' not in picker.split('id="slots"')[1]  # a tap on a time only chooses it
    confirm = client.get(f"{url}?{urlencode({'start': at(monday(), 15).isoformat()})}").content.decode()
    assert "Yes, move it" in confirm
    appointment.refresh_from_db()
    assert appointment.start == at(monday(), 10)
    client.post(url, {"start": at(monday(), 15).isoformat()})
    appointment.refresh_from_db()
    assert appointment.start == at(monday(), 15)


def test_a_cancelled_appointment_offers_to_book_again(client, alice, anna, face):
    appointment = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    client.force_login(alice)
    client.post(reverse("scheduling:appointment_cancel", args=[appointment.pk]))
    detail = client.get(reverse("scheduling:appointment_detail", args=[appointment.pk])).content.decode()
    assert "Book again" in detail and service_url() in detail
