"""Check-in re-screens: valid intake on the day, current consent, clearances that still count,
the day-of questions answered (pre-visit check or desk). Service, page, API and admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clients.models import ConsentText, IntakeSubmission
from clients.services import grant_clearance
from scheduling.care.attendance import check_in_appointment
from scheduling.care.checkin import DayOfAnswers, record_day_of_answers
from scheduling.care.previsit import PrevisitAnswers, submit_previsit_check
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, DayOfCheck
from tests.factories import submit_intake
from tests.scheduling.staff_support import DAY, appointment, local
from treatments.models import Contraindication, Service

ARRIVAL = local(DAY, 9, 50)
DESK_ALL_NO = {f"day_of-{name}": "no" for name in ("pregnancy", "infection", "medication", "sunburn", "procedures")}


@pytest.fixture(autouse=True)
def two_months_before():
    """The factories stamp intakes and consents with the clock: two months before ARRIVAL (older
    than the answers the tests give later, and still valid on the day), whatever today's date
    is (CI also runs 400 days ahead)."""
    with time_machine.travel(ARRIVAL - dt.timedelta(days=60), tick=False):
        yield


@pytest.fixture
def appt(alice, anna):
    return appointment(alice, anna, local(DAY, 10))


def _refused(appt: Appointment, *, answers: DayOfAnswers | None = None, now: dt.datetime = ARRIVAL) -> str:
    with pytest.raises(SchedulingError) as error:
        check_in_appointment(appointment=appt, by=appt.practitioner.user, answers=answers, now=now)
    assert (error.value.code, error.value.status) == ("screening", 403)
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED
    return error.value.message


def test_all_no_at_the_desk_checks_her_in(appt):
    done = check_in_appointment(appointment=appt, by=appt.practitioner.user, answers=DayOfAnswers(), now=ARRIVAL)
    assert done.status == Appointment.Status.CHECKED_IN
    assert DayOfCheck.objects.get(appointment=appt).source == DayOfCheck.Source.DESK


def test_without_the_day_of_questions_check_in_is_refused(appt):
    assert "day-of questions are not answered" in _refused(appt)


def test_the_pre_visit_answers_count_for_check_in(alice, appt):
    submit_previsit_check(appointment=appt, answers=PrevisitAnswers(), by=alice, now=local(DAY, 8))
    done = check_in_appointment(appointment=appt, by=appt.practitioner.user, now=ARRIVAL)
    assert done.status == Appointment.Status.CHECKED_IN


def test_pregnancy_declared_in_the_pre_visit_check_refuses_check_in(alice, appt):
    submit_previsit_check(appointment=appt, answers=PrevisitAnswers(pregnancy="pregnant"), by=alice, now=local(DAY, 8))
    message = _refused(appt)
    assert "Pregnancy" in message and "doctor's clearance" in message


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        (DayOfAnswers(infection=True), "Active skin infection"),
        (DayOfAnswers(sunburn=True), "sunburn"),
        (DayOfAnswers(medication="isotretinoin"), "Isotretinoin"),
        (DayOfAnswers(medication="anticoagulants"), "doctor's clearance"),
        (DayOfAnswers(pregnancy="breastfeeding"), "Breastfeeding"),
        (DayOfAnswers(procedures="resurfacing"), "no treatment before"),
        (DayOfAnswers(procedures="injectables"), "no treatment before"),
    ],
)
def test_a_yes_at_the_desk_refuses_check_in_and_is_kept(alice, appt, answers, words):
    message = _refused(appt, answers=answers)
    assert words in message
    check = DayOfCheck.objects.get(appointment=appt)
    assert check.any_yes and check.answered_by == appt.practitioner.user
    assert IntakeSubmission.objects.filter(client=alice).first().source == IntakeSubmission.Source.STAFF


def test_an_intake_expired_by_the_day_refuses_check_in(alice, anna):
    IntakeSubmission.objects.filter(client=alice).update(submitted_at=local(DAY, 9) - dt.timedelta(days=200))
    appt = appointment(alice, anna, local(DAY, 10))
    assert "expired" in _refused(appt, answers=DayOfAnswers())


def test_a_new_consent_version_refuses_check_in(appt):
    ConsentText.objects.create(version=99, body="New risks listed.")
    assert "current consent" in _refused(appt, answers=DayOfAnswers())


def test_a_consultation_needs_no_day_of_questions(alice, anna):
    appt = appointment(alice, anna, local(DAY, 10), service=Service.objects.get(slug="consultation"))
    done = check_in_appointment(appointment=appt, by=anna.user, now=ARRIVAL)
    assert done.status == Appointment.Status.CHECKED_IN


def test_a_clearance_lifts_an_answer_given_before_it(alice, anna, owner):
    submit_intake(alice, {"anticoagulants"}, at=local(DAY, 8))
    grant_clearance(client=alice, note="GP letter: fine", by=owner, now=local(DAY, 9))
    appt = appointment(alice, anna, local(DAY, 10))
    done = check_in_appointment(appointment=appt, by=anna.user, answers=DayOfAnswers(), now=ARRIVAL)
    assert done.status == Appointment.Status.CHECKED_IN


def test_a_yes_given_after_the_clearance_needs_a_new_one(alice, anna, owner):
    submit_intake(alice, {"pregnancy"}, at=local(DAY, 8) - dt.timedelta(days=30))
    pregnancy = Contraindication.objects.get(slug="pregnancy")
    grant_clearance(
        client=alice,
        note="Midwife: fine",
        by=owner,
        contraindications=[pregnancy],
        expires_on=DAY + dt.timedelta(days=90),
        now=local(DAY, 8) - dt.timedelta(days=29),
    )
    appt = appointment(alice, anna, local(DAY, 10))
    message = _refused(appt, answers=DayOfAnswers(pregnancy="pregnant"))
    assert "Pregnancy" in message


def test_an_expired_clearance_no_longer_counts(alice, anna, owner):
    submit_intake(alice, {"anticoagulants"}, at=local(DAY, 8) - dt.timedelta(days=30))
    grant_clearance(
        client=alice,
        note="GP letter",
        by=owner,
        expires_on=DAY - dt.timedelta(days=1),
        cleared_on=DAY - dt.timedelta(days=29),
        now=local(DAY, 8) - dt.timedelta(days=29),
    )
    appt = appointment(alice, anna, local(DAY, 10))
    assert "Blood" in _refused(appt, answers=DayOfAnswers())


def test_check_in_is_possible_on_the_day_only(appt):
    with pytest.raises(SchedulingError) as error:
        check_in_appointment(
            appointment=appt, by=appt.practitioner.user, answers=DayOfAnswers(), now=ARRIVAL - dt.timedelta(days=1)
        )
    assert error.value.code == "check_in_not_today"
    assert not DayOfCheck.objects.exists()


# --- Page, API, admin ---------------------------------------------------------------------------


def test_the_desk_page_shows_the_refusal_with_its_reason(client, alice, appt):
    submit_previsit_check(appointment=appt, answers=PrevisitAnswers(pregnancy="pregnant"), by=alice, now=local(DAY, 8))
    with time_machine.travel(ARRIVAL, tick=False):
        client.force_login(appt.practitioner.user)
        response = client.post(reverse("scheduling:staff_check_in", args=[appt.pk]))
    assert response.status_code == 403
    assert "Check-in refused" in response.text and "Pregnancy" in response.text
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_the_desk_page_asks_the_day_of_questions(client, appt):
    with time_machine.travel(ARRIVAL, tick=False):
        client.force_login(appt.practitioner.user)
        page = client.get(reverse("scheduling:staff_appointment", args=[appt.pk]))
        assert "Have you had Botox" in page.text or "Botox, fillers" in page.text
        half = client.post(reverse("scheduling:staff_check_in", args=[appt.pk]), {"day_of-pregnancy": "no"})
        assert half.status_code == 400
        done = client.post(reverse("scheduling:staff_check_in", args=[appt.pk]), DESK_ALL_NO, follow=True)
    assert "is checked in" in done.text


def test_the_api_refuses_with_the_screening_code_and_accepts_desk_answers(client, appt):
    url = reverse("api-appointment-check-in", args=[appt.pk])
    with time_machine.travel(ARRIVAL, tick=False):
        client.force_login(appt.practitioner.user)
        refused = client.post(url, {}, content_type="application/json")
        assert refused.status_code == 403
        assert refused.json()["code"] == "screening" and "day-of" in refused.json()["detail"]
        answers = {"pregnancy": "no", "infection": True, "medication": "no", "sunburn": False, "procedures": "no"}
        infection = client.post(url, {"day_of": answers}, content_type="application/json")
        assert infection.status_code == 403 and "infection" in infection.json()["detail"].lower()
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_the_api_checks_in_after_the_pre_visit_check(client, alice, appt):
    record_day_of_answers(appointment=appt, answers=DayOfAnswers(), source="pre_visit", by=alice, now=local(DAY, 8))
    with time_machine.travel(ARRIVAL, tick=False):
        client.force_login(appt.practitioner.user)
        done = client.post(reverse("api-appointment-check-in", args=[appt.pk]))
    assert done.status_code == 200 and done.json()["status"] == "checked_in"


def test_the_admin_action_applies_the_same_rescreen(client, owner, appt):
    with time_machine.travel(ARRIVAL, tick=False):
        client.force_login(owner)
        response = client.post(
            reverse("admin:scheduling_appointment_changelist"),
            {"action": "check_in", "_selected_action": [appt.pk], "index": "0"},
            follow=True,
        )
    assert "Check-in refused" in response.text
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.BOOKED


def test_answers_outside_the_choices_are_refused(appt):
    with pytest.raises(SchedulingError) as error:
        check_in_appointment(
            appointment=appt, by=appt.practitioner.user, answers=DayOfAnswers(pregnancy="maybe"), now=ARRIVAL
        )
    assert error.value.code == "bad_day_of_answers"
    assert not DayOfCheck.objects.exists()
