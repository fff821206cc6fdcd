"""Plan pages: start, my plans, my plan, whole course, rating, photos; staff: record, client plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from scheduling.models import Appointment, PlanSession, SessionPhoto, TreatmentPlan
from tests.scheduling.plans_support import deep_acne_plan, local, session

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _recorded(plan: TreatmentPlan, number: int, practitioner, rating: int | None = None, day: int = 0) -> PlanSession:
    start = local(2026, 1, 1, 10) + dt.timedelta(weeks=5 * number, days=day)
    appointment = session(plan, number, start, practitioner, status="completed")
    return PlanSession.objects.create(
        plan=plan,
        number=number,
        appointment=appointment,
        depth_used_mm=Decimal("1.50"),
        reaction="mild",
        results_rating=rating,
    )


# --- start ---------------------------------------------------------------------------------


def test_starting_a_plan_needs_a_login(client, rules):
    response = client.get(reverse("scheduling:plan_start") + "?concern=deep_acne_scars&area=cheeks")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_client_sees_the_recommendation_and_starts_her_plan(client, alice):
    client.force_login(alice)
    url = reverse("scheduling:plan_start")
    page = client.get(url + "?concern=deep_acne_scars&area=cheeks")
    assert page.status_code == 200
    assert b"Deep acne scarring" in page.content and b"Start this plan" in page.content
    response = client.post(url, {"concern": "deep_acne_scars", "area": "cheeks"})
    plan = TreatmentPlan.objects.get(client=alice)
    assert response.status_code == 302 and response["Location"] == reverse("scheduling:my_plan", args=[plan.pk])
    # A second click leads to the same plan, not a second one.
    again = client.post(url, {"concern": "deep_acne_scars", "area": "cheeks"})
    assert again["Location"] == reverse("scheduling:my_plan", args=[plan.pk])
    assert TreatmentPlan.objects.count() == 1


def test_a_pair_without_rule_shows_an_error_and_no_button(client, alice):
    client.force_login(alice)
    page = client.get(reverse("scheduling:plan_start") + "?concern=wrinkles&area=nose")
    assert b"is not treated on the nose" in page.content and b"Start this plan" not in page.content
    client.post(reverse("scheduling:plan_start"), {"concern": "wrinkles", "area": "nose"})
    assert not TreatmentPlan.objects.exists()


# --- my plan -------------------------------------------------------------------------------


def test_my_plan_shows_the_next_window_and_the_booking_links(client, alice, anna):
    plan = deep_acne_plan(alice)
    session(plan, 1, timezone.now() + dt.timedelta(days=3), anna)
    client.force_login(alice)
    page = client.get(reverse("scheduling:my_plan", args=[plan.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    window = page.context["next_row"].window
    assert window.end - window.start == dt.timedelta(weeks=2)
    assert f"{window.start:%A %-d %B}" in html and f"{window.end:%A %-d %B %Y}" in html
    assert f"{reverse('scheduling:book_service', args=[plan.service.slug])}?plan={plan.pk}" in html
    assert reverse("scheduling:plan_course", args=[plan.pk]) in html
    assert 'style="' not in html


def test_bob_cannot_see_alices_plan_pages(client, alice, bob, anna):
    plan = deep_acne_plan(alice)
    record = _recorded(plan, 1, anna)
    client.force_login(bob)
    assert client.get(reverse("scheduling:my_plan", args=[plan.pk])).status_code == 404
    assert client.get(reverse("scheduling:plan_course", args=[plan.pk])).status_code == 404
    assert client.get(reverse("scheduling:rate_session", args=[record.pk])).status_code == 404
    response = client.post(reverse("scheduling:rate_session", args=[record.pk]), {"rating": 1})
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.results_rating is None
    assert b"Deep acne" not in client.get(reverse("scheduling:my_plans")).content


def test_my_plans_goes_straight_to_her_only_active_plan(client, alice):
    plan = deep_acne_plan(alice)
    client.force_login(alice)
    response = client.get(reverse("scheduling:my_plans"))
    assert response["Location"] == reverse("scheduling:my_plan", args=[plan.pk])
    other = TreatmentPlan.objects.get(pk=plan.pk)
    other.pk, other.status = None, TreatmentPlan.Status.COMPLETED
    other.save()
    assert client.get(reverse("scheduling:my_plans")).status_code == 200


def test_she_rates_her_results_and_sees_them_in_the_chart(client, alice, anna):
    plan = deep_acne_plan(alice)
    record = _recorded(plan, 1, anna)
    client.force_login(alice)
    url = reverse("scheduling:rate_session", args=[record.pk])
    assert client.post(url, {"rating": 9}).status_code == 200
    response = client.post(url, {"rating": 4, "comment": "Smoother"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.results_rating == 4
    page = client.get(reverse("scheduling:my_plan", args=[plan.pk])).content.decode()
    assert "chart-bar w-rating-4" in page


def test_my_plan_queries_stay_constant(client, alice, anna, django_assert_max_num_queries):
    plan = deep_acne_plan(alice)
    TreatmentPlan.objects.filter(pk=plan.pk).update(sessions_planned=50, sessions_max=50)
    _recorded(plan, 1, anna, rating=3)
    client.force_login(alice)
    url = reverse("scheduling:my_plan", args=[plan.pk])
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for number in range(2, 51):
        _recorded(plan, number, anna, rating=4)
    with django_assert_max_num_queries(len(one)):
        assert client.get(url).content.count(b"w-rating-4") == 49


# --- whole course --------------------------------------------------------------------------


def test_she_books_the_whole_course_in_one_step(client, alice, anna):
    plan = deep_acne_plan(alice)
    client.force_login(alice)
    url = reverse("scheduling:plan_course", args=[plan.pk])
    page = client.get(url)
    assert page.status_code == 200
    slots = page.context["proposals"]
    assert [p.number for p in slots] == [1, 2, 3, 4]
    data = {"slot": [f"{p.number}|{p.start.isoformat()}|{p.practitioner.pk}" for p in slots]}
    response = client.post(url, data)
    assert response.status_code == 302, response.content
    assert sorted(plan.appointments.values_list("session_number", flat=True)) == [1, 2, 3, 4]


def test_a_repeated_course_submit_books_it_once(client, alice, anna):
    plan = deep_acne_plan(alice)
    client.force_login(alice)
    url = reverse("scheduling:plan_course", args=[plan.pk])
    page = client.get(url)
    assert "data-once" in page.content.decode()
    slots = page.context["proposals"]
    data = {
        "slot": [f"{p.number}|{p.start.isoformat()}|{p.practitioner.pk}" for p in slots],
        "token": page.context["token"],
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert plan.appointments.count() == 4


def test_a_course_with_a_taken_time_books_nothing(client, alice, bob, anna):
    from tests.factories import AppointmentFactory

    plan = deep_acne_plan(alice)
    client.force_login(alice)
    url = reverse("scheduling:plan_course", args=[plan.pk])
    slots = client.get(url).context["proposals"]
    AppointmentFactory(client=bob, practitioner=anna, start=slots[2].start)
    data = {"slot": [f"{p.number}|{p.start.isoformat()}|{p.practitioner.pk}" for p in slots]}
    response = client.post(url, data)
    assert response.status_code == 400
    assert b"just been taken" in response.content
    assert not plan.appointments.exists()


# --- staff: record a session ---------------------------------------------------------------


def test_the_record_page_suggests_the_depth_and_shows_the_limits(client, alice, anna):
    plan = deep_acne_plan(alice)
    _recorded(plan, 1, anna)
    appointment = session(plan, 2, timezone.now() - dt.timedelta(hours=1), anna)
    client.force_login(anna.user)
    page = client.get(reverse("scheduling:record_session", args=[appointment.pk]))
    assert page.status_code == 200
    assert page.context["form"].initial["depth_used_mm"] == Decimal("1.75")
    html = page.content.decode()
    assert "1.50–2.00 mm" in html and "Anna's limit" in html


def test_staff_record_a_session_from_the_page(client, alice, anna):
    plan = deep_acne_plan(alice)
    appointment = session(plan, 1, timezone.now() - dt.timedelta(hours=1), anna)
    client.force_login(anna.user)
    url = reverse("scheduling:record_session", args=[appointment.pk])
    data = {"depth_used_mm": "1.25", "areas": [plan.area_id], "reaction": "mild", "notes": ""}
    refused = client.post(url, data)
    assert refused.status_code == 400
    # Every problem at once: the depth first, then "check her in first".
    errors = " ".join(refused.context["form"].errors["depth_used_mm"])
    assert "outside the plan" in errors and "check her in first" in errors
    appointment.status = Appointment.Status.CHECKED_IN
    appointment.save()
    response = client.post(url, {**data, "depth_used_mm": "1.50"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    assert PlanSession.objects.get(plan=plan).depth_used_mm == Decimal("1.50")


def test_clients_cannot_record_sessions_or_open_staff_plan_pages(client, alice, anna):
    plan = deep_acne_plan(alice)
    appointment = session(plan, 1, timezone.now() - dt.timedelta(hours=1), anna)
    client.force_login(alice)
    data = {"depth_used_mm": "1.50", "areas": [plan.area_id], "reaction": "mild"}
    assert client.post(reverse("scheduling:record_session", args=[appointment.pk]), data).status_code == 403
    assert client.get(reverse("scheduling:staff_client_plans", args=[alice.pk])).status_code == 403
    assert client.post(reverse("scheduling:plan_extend", args=[plan.pk]), {"sessions": 1}).status_code == 403
    assert client.post(reverse("scheduling:plan_end", args=[plan.pk]), {"reason": "x"}).status_code == 403
    appointment.refresh_from_db()
    plan.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert (plan.sessions_planned, plan.status) == (4, TreatmentPlan.Status.ACTIVE)


# --- staff: a client's plans ---------------------------------------------------------------


def test_staff_extend_and_end_a_plan_from_the_client_record(client, alice, anna):
    plan = deep_acne_plan(alice)
    client.force_login(anna.user)
    page = client.get(reverse("scheduling:staff_client_plans", args=[alice.pk]))
    assert page.status_code == 200 and b"Extend the plan" in page.content
    client.post(reverse("scheduling:plan_extend", args=[plan.pk]), {"sessions": 2})
    plan.refresh_from_db()
    assert plan.sessions_planned == 6
    client.post(reverse("scheduling:plan_extend", args=[plan.pk]), {"sessions": 1})
    plan.refresh_from_db()
    assert plan.sessions_planned == 6
    client.post(reverse("scheduling:plan_end", args=[plan.pk]), {"reason": "Pregnant: paused on doctor's advice"})
    plan.refresh_from_db()
    assert plan.status == TreatmentPlan.Status.CANCELLED and plan.ended_reason.startswith("Pregnant")


def test_photos_are_seen_by_their_client_and_staff_only(client, alice, bob, anna):
    plan = deep_acne_plan(alice)
    record = _recorded(plan, 1, anna)
    client.force_login(anna.user)
    image = SimpleUploadedFile("before.png", PNG, content_type="image/png")
    response = client.post(
        reverse("scheduling:plan_photo", args=[plan.pk]), {"session": record.pk, "kind": "before", "image": image}
    )
    assert response.status_code == 302
    photo = SessionPhoto.objects.get()
    url = reverse("scheduling:session_photo", args=[photo.pk])
    assert client.get(url).status_code == 200
    client.force_login(alice)
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert url in client.get(reverse("scheduling:my_plan", args=[plan.pk])).content.decode()
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_non_image_upload_is_refused(client, alice, anna):
    plan = deep_acne_plan(alice)
    record = _recorded(plan, 1, anna)
    client.force_login(anna.user)
    fake = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    client.post(
        reverse("scheduling:plan_photo", args=[plan.pk]), {"session": record.pk, "kind": "after", "image": fake}
    )
    assert not SessionPhoto.objects.exists()


def test_staff_client_plans_queries_stay_constant(client, alice, anna, django_assert_max_num_queries):
    plan = deep_acne_plan(alice)
    _recorded(plan, 1, anna)
    client.force_login(anna.user)
    url = reverse("scheduling:staff_client_plans", args=[alice.pk])
    with django_assert_max_num_queries(25) as one:
        client.get(url)
    clone = TreatmentPlan.objects.get(pk=plan.pk)
    for day in range(1, 50):
        clone.pk, clone.status = None, TreatmentPlan.Status.COMPLETED
        clone.save()
        _recorded(clone, 1, anna, day=day)
    with django_assert_max_num_queries(len(one)):
        assert client.get(url).content.count(b"Session 1</strong>") == 50
