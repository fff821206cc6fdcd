"""Screening: every severity and their combinations, waiting periods, expiry, clearance, consent."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from clients.models import ConsentText, DoctorClearance
from clients.screening import Status, screening_status, screening_statuses
from tests.factories import make_client, sign_consent, submit_intake
from treatments.models import Contraindication

FAR = dt.date(2099, 1, 1)

LONDON = ZoneInfo("Europe/London")
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=LONDON)


@pytest.fixture
def carol(rules):
    """A client with a profile, no intake and no consent yet."""
    return make_client("carol@example.com", first_name="Carol", last_name="Cole", screened=False)


def answer(user, *yes: str, at: dt.datetime = NOON):
    sign_consent(user)
    return submit_intake(user, set(yes), at=at)


def status_of(user, now: dt.datetime = NOON):
    return screening_status(user_id=user.pk, now=now)


def test_no_intake_is_missing_and_cannot_book(carol):
    screening = status_of(carol)
    assert screening.status == Status.MISSING
    assert not screening.can_book
    assert "questionnaire" in screening.explanation()


def test_all_no_is_clear_and_bookable_with_consent(carol):
    answer(carol)
    screening = status_of(carol)
    assert screening.status == Status.CLEAR
    assert screening.reasons == []
    assert screening.can_book
    assert screening.explanation() == "You're all set: you can book online."


def test_clear_without_a_signed_consent_cannot_book(carol):
    submit_intake(carol, at=NOON)
    screening = status_of(carol)
    assert screening.status == Status.CLEAR
    assert not screening.consent_current
    assert not screening.can_book
    assert "sign the consent" in screening.explanation()


@pytest.mark.parametrize("slug", ["keloid", "active_infection"])
def test_a_blocking_answer_without_waiting_period_blocks_with_no_date(carol, slug):
    answer(carol, slug)
    screening = status_of(carol)
    assert screening.status == Status.BLOCKED
    assert screening.bookable_from is None
    assert [r.slug for r in screening.reasons] == [slug]
    assert not screening.can_book
    assert "call the spa" in screening.explanation()


@pytest.mark.parametrize("slug", ["pregnancy", "breastfeeding", "anticoagulants", "immunosuppressed"])
def test_a_doctor_clearance_answer_blocks_online_booking_until_cleared(carol, slug):
    answer(carol, slug)
    screening = status_of(carol)
    assert screening.status == Status.DOCTOR_CLEARANCE
    assert not screening.can_book
    assert "doctor's clearance" in screening.explanation()


@pytest.mark.parametrize("slug", ["diabetes", "active_acne", "skin_condition", "metal_allergy"])
def test_a_staff_review_answer_is_bookable_and_flagged(carol, slug):
    answer(carol, slug)
    screening = status_of(carol)
    assert screening.status == Status.STAFF_REVIEW
    assert screening.can_book
    assert [r.slug for r in screening.flags] == [slug]


@pytest.mark.parametrize("slug", ["cold_sores", "retinoids"])
def test_an_advice_answer_keeps_her_clear_and_shows_the_advice(carol, slug):
    answer(carol, slug)
    screening = status_of(carol)
    assert screening.status == Status.CLEAR
    assert screening.flags == []
    assert [r.slug for r in screening.advice] == [slug]
    advice = Contraindication.objects.get(slug=slug).advice
    assert advice and advice in screening.reasons[0].text


def test_the_worst_answer_decides_and_every_reason_is_listed(carol):
    answer(carol, "diabetes", "pregnancy", "keloid", "retinoids")
    screening = status_of(carol)
    assert screening.status == Status.BLOCKED
    assert {r.slug for r in screening.reasons} == {"diabetes", "pregnancy", "keloid", "retinoids"}


def test_doctor_clearance_outranks_staff_review(carol):
    answer(carol, "diabetes", "breastfeeding")
    assert status_of(carol).status == Status.DOCTOR_CLEARANCE


def test_isotretinoin_blocks_until_six_months_after_the_answer(carol):
    answer(carol, "isotretinoin")
    screening = status_of(carol)
    opens = dt.date(2026, 3, 2) + dt.timedelta(days=180)
    assert screening.status == Status.BLOCKED
    assert screening.bookable_from == opens
    assert screening.reasons[0].bookable_from == opens
    assert f"{opens.day} {opens:%B %Y}" in screening.explanation()
    the_day_before = dt.datetime.combine(opens - dt.timedelta(days=1), dt.time(12), tzinfo=LONDON)
    assert status_of(carol, the_day_before).status == Status.BLOCKED
    # The intake must still be valid on that day for the waiting period alone to decide.
    with override_settings(SPA_INTAKE_VALIDITY_DAYS=365):
        on_the_day = dt.datetime.combine(opens, dt.time(9), tzinfo=LONDON)
        assert status_of(carol, on_the_day).status == Status.CLEAR


def test_sunburn_waits_two_weeks_and_then_no_longer_holds(carol):
    answer(carol, "sunburn")
    assert status_of(carol).bookable_from == dt.date(2026, 3, 16)
    assert status_of(carol, NOON + dt.timedelta(days=14)).status == Status.CLEAR


def test_botox_two_weeks_ago_blocks_until_the_waiting_period_ends(carol):
    answer(carol, "injectables")
    screening = status_of(carol)
    assert screening.status == Status.BLOCKED
    assert screening.bookable_from == dt.date(2026, 3, 16)
    assert status_of(carol, NOON + dt.timedelta(days=15)).status == Status.CLEAR


def test_a_waiting_period_and_a_permanent_block_promise_no_date(carol):
    answer(carol, "sunburn", "keloid")
    screening = status_of(carol)
    assert screening.status == Status.BLOCKED
    assert screening.bookable_from is None


def test_two_waiting_periods_open_at_the_later_date(carol):
    answer(carol, "sunburn", "isotretinoin")
    assert status_of(carol).bookable_from == dt.date(2026, 3, 2) + dt.timedelta(days=180)


def test_waiting_periods_count_in_local_dates_across_the_clock_change(carol):
    # Answered at 00:30 local on 28 March (00:30 UTC, GMT); the clocks go forward on the 29th.
    answer(carol, "sunburn", at=dt.datetime(2026, 3, 28, 0, 30, tzinfo=LONDON))
    screening = status_of(carol, dt.datetime(2026, 4, 1, 12, tzinfo=LONDON))
    assert screening.bookable_from == dt.date(2026, 4, 11)


def test_a_doctors_clearance_lifts_doctor_clearance_and_she_is_clear(carol, staff):
    answer(carol, "pregnancy")
    clearance = DoctorClearance.objects.create(client=carol, note="GP letter", recorded_by=staff, expires_on=FAR)
    clearance.contraindications.set(Contraindication.objects.filter(slug="pregnancy"))
    screening = status_of(carol)
    assert screening.status == Status.CLEAR
    assert screening.can_book
    assert [(r.slug, r.cleared) for r in screening.flags] == [("pregnancy", True)]


def test_a_clearance_covers_only_what_it_names(carol, staff):
    answer(carol, "pregnancy", "anticoagulants")
    clearance = DoctorClearance.objects.create(client=carol, note="GP letter", recorded_by=staff, expires_on=FAR)
    clearance.contraindications.set(Contraindication.objects.filter(slug="pregnancy"))
    assert status_of(carol).status == Status.DOCTOR_CLEARANCE


def test_a_clearance_does_not_lift_a_block(carol, staff):
    answer(carol, "pregnancy", "keloid")
    clearance = DoctorClearance.objects.create(client=carol, note="GP letter", recorded_by=staff, expires_on=FAR)
    clearance.contraindications.set(Contraindication.objects.filter(slug="pregnancy"))
    assert status_of(carol).status == Status.BLOCKED


def test_an_expired_clearance_no_longer_counts(carol, staff):
    answer(carol, "breastfeeding")
    clearance = DoctorClearance.objects.create(
        client=carol, note="GP letter", recorded_by=staff, expires_on=dt.date(2026, 3, 10)
    )
    clearance.contraindications.set(Contraindication.objects.filter(slug="breastfeeding"))
    assert status_of(carol, NOON + dt.timedelta(days=8)).status == Status.CLEAR  # 10 March: last valid day
    assert status_of(carol, NOON + dt.timedelta(days=9)).status == Status.DOCTOR_CLEARANCE


def test_an_intake_expires_after_the_validity_setting(carol):
    answer(carol)
    last_day = NOON + dt.timedelta(days=183)
    assert status_of(carol, last_day).status == Status.CLEAR
    screening = status_of(carol, last_day + dt.timedelta(days=1))
    assert screening.status == Status.EXPIRED
    assert not screening.can_book
    assert screening.explanation() == (
        "Your medical questionnaire is more than 6 months old: please renew it before booking."
    )
    with override_settings(SPA_INTAKE_VALIDITY_DAYS=30):
        assert status_of(carol, NOON + dt.timedelta(days=31)).status == Status.EXPIRED


def test_expiry_is_decided_on_todays_date_with_time_machine(carol):
    with time_machine.travel(NOON, tick=False):
        answer(carol, at=None)
    with time_machine.travel(NOON + dt.timedelta(days=200), tick=False):
        assert screening_status(user_id=carol.pk).status == Status.EXPIRED
    with time_machine.travel(NOON + dt.timedelta(days=10), tick=False):
        assert screening_status(user_id=carol.pk).status == Status.CLEAR


def test_a_new_intake_replaces_the_old_one_but_history_stays(carol):
    answer(carol, "pregnancy", at=NOON - dt.timedelta(days=30))
    submit_intake(carol, set(), at=NOON - dt.timedelta(days=1))
    assert status_of(carol).status == Status.CLEAR
    assert carol.intakes.count() == 2


def test_a_consent_of_an_old_version_does_not_count(carol):
    answer(carol)
    assert status_of(carol).consent_current
    ConsentText.objects.create(version=2, body="Updated consent: new aftercare products.")
    screening = status_of(carol)
    assert not screening.consent_current
    assert not screening.can_book
    sign_consent(carol)
    assert status_of(carol).consent_current


def test_relaxing_isotretinoin_to_doctor_clearance_applies_to_given_answers(carol, staff):
    answer(carol, "isotretinoin")
    assert status_of(carol).status == Status.BLOCKED
    Contraindication.objects.filter(slug="isotretinoin").update(severity=Contraindication.Severity.DOCTOR_CLEARANCE)
    screening = status_of(carol)
    assert screening.status == Status.DOCTOR_CLEARANCE
    # Without a clearance she can still book once the six months are over.
    assert screening.bookable_from == dt.date(2026, 3, 2) + dt.timedelta(days=180)
    clearance = DoctorClearance.objects.create(
        client=carol, note="Dermatologist: fine", recorded_by=staff, expires_on=FAR
    )
    clearance.contraindications.set(Contraindication.objects.filter(slug="isotretinoin"))
    assert status_of(carol).status == Status.CLEAR


def test_a_deactivated_contraindication_no_longer_counts(carol):
    answer(carol, "diabetes")
    Contraindication.objects.filter(slug="diabetes").update(active=False)
    assert status_of(carol).status == Status.CLEAR


def test_screening_of_many_clients_takes_a_constant_number_of_queries(rules, django_assert_max_num_queries):
    clients = [make_client(f"c{n}@example.com") for n in range(20)]
    for client in clients[:5]:
        submit_intake(client, {"pregnancy"})
    with django_assert_max_num_queries(5):
        result = screening_statuses([c.pk for c in clients], now=None)
    assert {c.pk for c in clients} == set(result)
    assert sum(1 for s in result.values() if s.status == Status.DOCTOR_CLEARANCE) == 5


def test_as_dict_carries_what_the_api_needs(carol):
    answer(carol, "sunburn")
    data = status_of(carol).as_dict()
    assert data["status"] == "blocked"
    assert data["bookable_from"] == "2026-03-16"
    assert data["reasons"][0]["slug"] == "sunburn"
    assert data["consent"] is True


def test_a_waiting_period_with_a_clearance_still_needed_names_both(carol):
    answer(carol, "sunburn", "pregnancy")
    screening = status_of(carol)
    assert screening.status == Status.BLOCKED
    assert screening.bookable_from is None
    assert screening.blocked_until == dt.date(2026, 3, 16)
    assert "before 16 March 2026" in screening.explanation()
    assert "doctor's clearance" in screening.explanation()
