"""The pre-visit check: answers update the intake, flag the appointment, never cancel it."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from clients.models import IntakeSubmission
from clients.screening import screening_status
from scheduling.care.previsit import PrevisitAnswers, submit_previsit_check
from scheduling.errors import SchedulingError
from scheduling.models import Appointment
from tests.factories import AppointmentFactory
from tests.scheduling.plans_support import local

NOW = local(2026, 12, 7, 10)


@pytest.fixture(autouse=True)
def clock():
    """A week before the check: alice's first intake (and the appointment) are stamped then."""
    with time_machine.travel(local(2026, 11, 30, 10), tick=False):
        yield


@pytest.fixture
def appointment(alice, anna):
    return AppointmentFactory(client=alice, practitioner=anna, start=local(2026, 12, 9, 10))


def answers_of(submission: IntakeSubmission) -> dict[str, bool]:
    return {a.contraindication.slug: a.answer for a in submission.answers.select_related("contraindication")}


def test_all_no_changes_nothing(alice, appointment):
    result = submit_previsit_check(appointment=appointment, answers=PrevisitAnswers(), by=alice, now=NOW)
    assert not result.changed and not result.flagged
    assert IntakeSubmission.objects.filter(client=alice).count() == 1
    appointment.refresh_from_db()
    assert appointment.staff_flag == ""


def test_pregnancy_needs_a_doctor_and_flags_the_appointment(alice, appointment):
    result = submit_previsit_check(
        appointment=appointment, answers=PrevisitAnswers(pregnancy="pregnant"), by=alice, now=NOW
    )
    assert result.before.status == "clear" and result.after.status == "doctor_clearance"
    latest = IntakeSubmission.objects.filter(client=alice).first()
    assert latest.source == IntakeSubmission.Source.PRE_VISIT
    answers = answers_of(latest)
    assert answers["pregnancy"] is True and answers["breastfeeding"] is False and answers["diabetes"] is False
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED  # staff decide, nothing is cancelled
    assert appointment.staff_flag.startswith("Pre-visit check: pregnant")
    assert "clear → doctor_clearance" in appointment.staff_flag
    assert "doctor's clearance" in result.message()


def test_sunburn_blocks_and_tells_her_to_call(alice, appointment):
    with time_machine.travel(NOW, tick=False):
        result = submit_previsit_check(appointment=appointment, answers=PrevisitAnswers(sunburn=True), by=alice)
    assert result.after.status == "blocked"
    assert "please call the spa" in result.message()
    appointment.refresh_from_db()
    assert "Blocked" in appointment.staff_flag and appointment.status == Appointment.Status.BOOKED


def test_previous_yes_answers_are_kept(alice, appointment):
    from tests.factories import submit_intake

    submit_intake(alice, {"diabetes"}, at=local(2026, 12, 1))
    submit_previsit_check(
        appointment=appointment, answers=PrevisitAnswers(medication="anticoagulants"), by=alice, now=NOW
    )
    answers = answers_of(IntakeSubmission.objects.filter(client=alice).first())
    assert answers["diabetes"] is True and answers["anticoagulants"] is True
    assert screening_status(user_id=alice.pk, now=NOW).status == "doctor_clearance"


def test_other_new_medication_flags_for_staff_without_a_new_intake(alice, appointment):
    result = submit_previsit_check(
        appointment=appointment, answers=PrevisitAnswers(medication="other"), by=alice, now=NOW
    )
    assert result.flagged and result.after.status == "clear"
    assert IntakeSubmission.objects.filter(client=alice).count() == 1
    appointment.refresh_from_db()
    assert "new medication: another new medication" in appointment.staff_flag


def test_only_her_own_upcoming_appointment(alice, bob, appointment):
    with pytest.raises(SchedulingError) as error:
        submit_previsit_check(appointment=appointment, answers=PrevisitAnswers(sunburn=True), by=bob, now=NOW)
    assert error.value.code == "not_your_appointment"
    with pytest.raises(SchedulingError) as error:
        submit_previsit_check(
            appointment=appointment, answers=PrevisitAnswers(sunburn=True), by=alice, now=local(2026, 12, 9, 11)
        )
    assert error.value.code == "not_active"


def test_the_page_records_her_answers(client, alice, appointment):
    url = reverse("scheduling:previsit", args=[appointment.pk])
    client.force_login(alice)
    page = client.get(url)
    assert page.status_code == 200 and "pregnant or breastfeeding" in page.content.decode()
    with time_machine.travel(NOW, tick=True):
        done = client.post(
            url,
            {"pregnancy": "breastfeeding", "medication": "no", "sunburn": "no", "infection": "no", "procedures": "no"},
        )
    assert done.status_code == 200
    assert "doctor&#x27;s clearance" in done.content.decode()
    appointment.refresh_from_db()
    assert "breastfeeding" in appointment.staff_flag


def test_the_page_refuses_missing_answers(client, alice, appointment):
    client.force_login(alice)
    page = client.post(reverse("scheduling:previsit", args=[appointment.pk]), {"pregnancy": "no"})
    assert page.status_code == 200
    assert page.context["form"].errors.keys() == {"medication", "sunburn", "infection", "procedures"}
    assert IntakeSubmission.objects.filter(client=alice).count() == 1


def test_bob_cannot_open_alices_check_and_anonymous_must_log_in(client, bob, appointment):
    url = reverse("scheduling:previsit", args=[appointment.pk])
    assert client.get(url).status_code == 302
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url, {"pregnancy": "pregnant", "medication": "no", "sunburn": "no"}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.staff_flag == ""
