"""One client, one skin: spacing by area, plan order, her own diary, her share of the calendar
and the plan's service, whichever path books or moves a needling (scheduling/booking.py,
scheduling/spacing.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduling.booking.services import book_appointment, cancel_appointment, reschedule_appointment
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, BookingPolicy, TreatmentPlan
from tests.factories import PractitionerFactory
from tests.scheduling.booking_support import at, make_plan, monday
from treatments.models import Concern, Service, TreatmentArea


@pytest.fixture
def face(rules) -> Service:
    return Service.objects.get(slug="microneedling-face")


@pytest.fixture
def body(rules) -> Service:
    return Service.objects.get(slug="microneedling-body")


@pytest.fixture
def consultation(rules) -> Service:
    return Service.objects.get(slug="consultation")


def refused(code: str, call=book_appointment, **kwargs) -> SchedulingError:
    with pytest.raises(SchedulingError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def day_text(day: dt.date) -> str:
    return f"{day:%-d %B %Y}"


# --- Spacing without a plan ------------------------------------------------------------------


def test_a_second_face_needling_days_after_the_first_is_refused_naming_the_first_free_date(alice, anna, face):
    first = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    for days in (1, 2, 4, 27):
        error = refused(
            "too_soon_after_needling",
            client=alice,
            service=face,
            start=at(monday() + dt.timedelta(days=days), 10),
            booked_by=alice,
        )
        assert error.status == 400 and error.field == "start"
        assert day_text(monday() + dt.timedelta(weeks=4)) in error.message
    later = book_appointment(client=alice, service=face, start=at(monday(5), 10), booked_by=alice)
    assert later.spacing_override_reason == "" and first.pk != later.pk


def test_an_earlier_needling_too_close_to_a_later_one_is_refused(alice, anna, face):
    book_appointment(client=alice, service=face, start=at(monday(5), 10), booked_by=alice)
    error = refused("too_close_to_needling", client=alice, service=face, start=at(monday(3), 10), booked_by=alice)
    assert day_text(monday(5)) in error.message
    # Four weeks before is fine.
    book_appointment(client=alice, service=face, start=at(monday(1), 10), booked_by=alice)


def test_other_areas_and_the_consultation_are_not_spaced(alice, anna, face, body, consultation):
    anna.services.add(body)
    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    book_appointment(client=alice, service=body, start=at(monday() + dt.timedelta(days=1), 10), booked_by=alice)
    book_appointment(client=alice, service=consultation, start=at(monday() + dt.timedelta(days=2), 10), booked_by=alice)


def test_a_cancelled_needling_no_longer_counts_and_a_completed_one_does(alice, anna, face):
    first = book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    cancel_appointment(appointment=first, by=alice)
    second = book_appointment(
        client=alice, service=face, start=at(monday() + dt.timedelta(days=2), 10), booked_by=alice
    )
    Appointment.objects.filter(pk=second.pk).update(status=Appointment.Status.COMPLETED)
    refused("too_soon_after_needling", client=alice, service=face, start=at(monday(2), 10), booked_by=alice)


def test_staff_may_override_with_a_reason_that_is_recorded(alice, anna, face):
    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    refused("too_soon_after_needling", client=alice, service=face, start=at(monday(2), 10), booked_by=anna.user)
    moved = book_appointment(
        client=alice, service=face, start=at(monday(2), 10), booked_by=anna.user, override_reason="Doctor's advice"
    )
    assert moved.spacing_override_reason == "Doctor's advice"


def test_another_clients_needlings_do_not_count(alice, bob, anna, face):
    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    book_appointment(client=bob, service=face, start=at(monday() + dt.timedelta(days=1), 10), booked_by=bob)


# --- Spacing with plans ----------------------------------------------------------------------


def test_a_plan_session_and_a_needling_outside_the_plan_are_spaced_alike(alice, anna, face):
    plan = make_plan(alice)  # cheeks, which the face service covers
    book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    refused("too_soon_after_needling", client=alice, service=face, start=at(monday(2), 10), booked_by=alice)


def test_two_plans_on_the_same_cheeks_are_spaced(alice, anna):
    first = make_plan(alice)
    second = TreatmentPlan.objects.create(
        client=alice,
        concern=Concern.objects.get(slug="acne_scars"),
        area=TreatmentArea.objects.get(slug="cheeks"),
        service=first.service,
        depth_min_mm=first.depth_min_mm,
        depth_max_mm=first.depth_max_mm,
        sessions_planned=3,
        sessions_max=5,
        interval_min_weeks=4,
        interval_max_weeks=6,
    )
    book_appointment(client=alice, start=at(monday(), 10), plan=first, booked_by=alice)
    refused(
        "too_soon_after_needling",
        client=alice,
        start=at(monday() + dt.timedelta(days=2), 10),
        plan=second,
        booked_by=alice,
    )


def test_a_cancelled_session_cannot_be_rebooked_close_to_or_after_the_next_one(alice, anna):
    plan = make_plan(alice)
    first = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    cancel_appointment(appointment=first, by=alice)
    session_two = monday(5)
    error = refused(
        "too_close_to_needling",
        client=alice,
        start=at(session_two - dt.timedelta(days=3), 10),
        plan=plan,
        booked_by=alice,
    )
    assert day_text(session_two - dt.timedelta(weeks=4)) in error.message
    refused(
        "too_soon_after_needling",
        client=alice,
        start=at(session_two + dt.timedelta(days=2), 10),
        plan=plan,
        booked_by=alice,
    )
    refused("after_next_session", client=alice, start=at(monday(11), 10), plan=plan, booked_by=alice)
    rebooked = book_appointment(client=alice, start=at(monday(1), 10), plan=plan, booked_by=alice)
    assert rebooked.session_number == 1


def test_a_session_cannot_be_squeezed_by_moving_either_of_them(alice, anna):
    plan = make_plan(alice)
    first = book_appointment(client=alice, start=at(monday(), 10), plan=plan, booked_by=alice)
    second = book_appointment(client=alice, start=at(monday(5), 10), plan=plan, booked_by=alice)
    refused("too_close_to_needling", reschedule_appointment, appointment=first, start=at(monday(4), 10), by=alice)
    refused("outside_window", reschedule_appointment, appointment=second, start=at(monday(2), 10), by=alice)
    # Staff with a reason: both rules are overridden and the reason recorded.
    moved = reschedule_appointment(appointment=first, start=at(monday(3), 10), by=anna.user, override_reason="Holiday")
    assert moved.spacing_override_reason == "Holiday"


# --- One client, one place -------------------------------------------------------------------


def test_two_appointments_of_one_client_at_the_same_time_are_refused_whoever_the_practitioner(
    alice, anna, consultation
):
    ben = PractitionerFactory(display_name="Ben", position=9)
    ben.services.add(consultation)
    start = at(monday(), 12)
    book_appointment(client=alice, service=consultation, start=start, practitioner=anna, booked_by=alice)
    error = refused("client_busy", client=alice, service=consultation, start=start, practitioner=ben, booked_by=alice)
    assert error.status == 409
    refused(
        "client_busy", client=alice, service=consultation, start=start + dt.timedelta(minutes=15), booked_by=anna.user
    )
    assert Appointment.objects.filter(client=alice).count() == 1


def test_a_move_onto_her_other_appointment_is_refused(alice, anna, consultation, face):
    mine = book_appointment(client=alice, service=consultation, start=at(monday(), 10), booked_by=alice)
    other = book_appointment(client=alice, service=consultation, start=at(monday(), 14), booked_by=alice)
    refused("client_busy", reschedule_appointment, appointment=other, start=at(monday(), 10, 15), by=alice)
    assert Appointment.objects.get(pk=other.pk).start == at(monday(), 14)
    assert mine.start == at(monday(), 10)


# --- A fair share of the calendar -------------------------------------------------------------


def test_a_client_holds_at_most_her_plan_sessions_plus_the_allowance(alice, anna, consultation):
    BookingPolicy.objects.create(extra_bookings=2)
    book_appointment(client=alice, service=consultation, start=at(monday(), 10), booked_by=alice)
    book_appointment(client=alice, service=consultation, start=at(monday(), 11), booked_by=alice)
    error = refused("too_many_bookings", client=alice, service=consultation, start=at(monday(), 12), booked_by=alice)
    assert "2" in error.message
    # Staff are not limited.
    book_appointment(client=alice, service=consultation, start=at(monday(), 12), booked_by=anna.user)
    # An active plan of three sessions adds three.
    plan = make_plan(alice)
    book_appointment(client=alice, start=at(monday(2), 10), plan=plan, booked_by=alice)
    assert Appointment.objects.filter(client=alice).count() == 4


# --- A plan session is a needling of the plan's area ------------------------------------------


def test_a_plan_session_must_be_a_needling_of_the_plans_area(alice, anna, body, consultation):
    anna.services.add(body)
    plan = make_plan(alice)
    error = refused(
        "wrong_service_for_plan", client=alice, service=body, start=at(monday(), 10), plan=plan, booked_by=alice
    )
    assert "cheeks" in error.message
    refused(
        "wrong_service_for_plan",
        client=alice,
        service=consultation,
        start=at(monday(), 10),
        plan=plan,
        booked_by=anna.user,
    )
    face_neck = Service.objects.get(slug="microneedling-face-neck")
    anna.services.add(face_neck)
    booked = book_appointment(client=alice, service=face_neck, start=at(monday(), 10), plan=plan, booked_by=alice)
    assert booked.session_number == 1


# --- Availability offers only what she may book ------------------------------------------------


def _days_offered(response) -> set[dt.date]:
    assert response.status_code == 200, response.content
    return {dt.datetime.fromisoformat(s["start"]).date() for s in response.json()["slots"]}


def test_availability_for_a_signed_in_client_leaves_out_the_days_her_skin_rests(alice, anna, face):
    from rest_framework.test import APIClient

    booked = book_appointment(client=alice, service=face, start=at(monday(2), 10), booked_by=alice)
    start, end = monday(), monday() + dt.timedelta(days=55)
    params = {"service": "microneedling-face", "start": start.isoformat(), "end": end.isoformat()}
    public = _days_offered(APIClient().get("/api/v1/availability", params))
    api = APIClient()
    api.force_authenticate(alice)
    hers = _days_offered(api.get("/api/v1/availability", params))
    resting = {d for d in public if abs((d - monday(2)).days) < 28}
    assert resting and not (hers & resting)
    assert hers == public - resting
    staff = APIClient()
    staff.force_authenticate(anna.user)
    assert _days_offered(staff.get("/api/v1/availability", {**params, "client": alice.pk})) == hers
    assert _days_offered(staff.get("/api/v1/availability", params)) == public
    # Her own booked time is not offered to her on the body service either (she is busy then).
    anna.services.add(Service.objects.get(slug="microneedling-body"))
    day = monday(2)
    body_params = {"service": "microneedling-body", "start": day.isoformat(), "end": day.isoformat()}
    starts = {s["start"] for s in api.get("/api/v1/availability", body_params).json()["slots"]}
    assert booked.start.isoformat() not in starts


def test_the_booking_page_shows_her_no_time_that_breaks_her_spacing(client, alice, anna, face):
    from django.urls import reverse

    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    client.force_login(alice)
    url = reverse("scheduling:book_service", args=["microneedling-face"])
    page = client.get(url, {"day": (monday() + dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "confirm/?start=" not in page
    client.logout()
    public = client.get(url, {"day": (monday() + dt.timedelta(days=1)).isoformat()}).content.decode()
    assert "confirm/?start=" in public


def test_a_staff_override_is_shown_on_the_client_record_and_the_owners_dashboard(client, alice, anna, owner, face):
    from django.urls import reverse

    book_appointment(client=alice, service=face, start=at(monday(), 10), booked_by=alice)
    book_appointment(
        client=alice, service=face, start=at(monday(2), 10), booked_by=anna.user, override_reason="Bridal package"
    )
    client.force_login(owner)
    record = client.get(reverse("scheduling:staff_client_plans", args=[alice.pk])).content.decode()
    dashboard = client.get(reverse("scheduling:staff_dashboard")).content.decode()
    for page in (record, dashboard):
        assert "Rules overridden by staff" in page
        assert "Bridal package" in page and "Rest between needlings" in page


def test_the_owner_sets_the_allowance_in_the_admin(client, alice, anna, owner, consultation):
    client.force_login(owner)
    response = client.post("/admin/scheduling/bookingpolicy/add/", {"extra_bookings": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BookingPolicy.current().extra_bookings == 1
    assert client.get("/admin/scheduling/bookingpolicy/add/").status_code == 403  # one row only
    book_appointment(client=alice, service=consultation, start=at(monday(), 10), booked_by=alice)
    refused("too_many_bookings", client=alice, service=consultation, start=at(monday(), 11), booked_by=alice)


def test_the_whole_course_proposal_keeps_her_rest_from_other_needlings(alice, anna, face):
    from scheduling.plans.course import propose_course

    # A face needling outside the plan in two weeks: session 1 of the cheeks plan must keep
    # four weeks from it, so not before it either.
    other = book_appointment(client=alice, service=face, start=at(monday(2), 10), booked_by=alice)
    plan = make_plan(alice)
    proposals = propose_course(plan=plan)
    first = proposals[0]
    assert abs((first.start.date() - other.start.date()).days) >= 28


# --- Through the API ----------------------------------------------------------------------------


def test_the_api_answers_each_refusal_with_its_code(alice, anna, face, desk):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    plan = make_plan(alice)

    def post(**data: object):
        return api.post("/api/v1/appointments", data, format="json")

    assert post(service="microneedling-face", start=at(monday(), 10).isoformat()).status_code == 201
    soon = post(service="microneedling-face", start=at(monday(1), 14).isoformat())
    assert (soon.status_code, soon.json()["code"]) == (400, "too_soon_after_needling")
    assert soon.json()["detail"].endswith(f"{day_text(monday() + dt.timedelta(weeks=4))}.")
    wrong = post(service="consultation", plan=plan.pk, start=at(monday(1), 10).isoformat())
    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_service_for_plan")
    busy = post(service="consultation", start=at(monday(), 10, 15).isoformat())
    assert (busy.status_code, busy.json()["code"]) == (409, "client_busy")
    staff = APIClient()
    staff.force_authenticate(desk)  # booking for a client is the front desk's (spa.lib.roles)
    overridden = staff.post(
        "/api/v1/appointments",
        {
            "service": "microneedling-face",
            "start": at(monday(1), 14).isoformat(),
            "client": alice.pk,
            "override_reason": "Event next week",
        },
        format="json",
    )
    assert overridden.status_code == 201, overridden.json()
    assert Appointment.objects.get(pk=overridden.json()["id"]).spacing_override_reason == "Event next week"
