"""Answers and clearances that expire: isotretinoin counts from the last dose; core
contraindications keep their floor unless a reason is given (kept in the history)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import services
from clients.errors import ClientsError
from clients.models import IntakeAnswer
from clients.screening import Status, screening_status
from tests.factories import make_client
from tests.scheduling.plans_support import local
from treatments.models import Contraindication

NOW = local(2026, 12, 7, 10)


@pytest.fixture(autouse=True)
def clock():
    """A week before NOW: the intakes the factories write are older than the ones tested."""
    with time_machine.travel(local(2026, 11, 30, 10), tick=False):
        yield


def _answers(yes: set[str]) -> dict[str, bool]:
    return {item.slug: item.slug in yes for item in Contraindication.objects.filter(active=True)}


def test_isotretinoin_counts_from_the_last_dose(rules):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole")
    services.complete_intake(
        user=carol, answers=_answers({"isotretinoin"}), dates={"isotretinoin": dt.date(2026, 8, 1)}, sign=False, now=NOW
    )
    screening = screening_status(user_id=carol.pk, now=NOW)
    assert screening.status == Status.BLOCKED
    assert screening.bookable_from == dt.date(2026, 8, 1) + dt.timedelta(days=180)


def test_isotretinoin_without_a_date_counts_from_the_answer(rules):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole")
    services.complete_intake(user=carol, answers=_answers({"isotretinoin"}), sign=False, now=NOW)
    assert screening_status(user_id=carol.pk, now=NOW).bookable_from == NOW.date() + dt.timedelta(days=180)


def test_a_last_dose_in_the_future_is_refused(rules):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole")
    with pytest.raises(ClientsError) as error:
        services.complete_intake(
            user=carol,
            answers=_answers({"isotretinoin"}),
            dates={"isotretinoin": dt.date(2027, 1, 1)},
            sign=False,
            now=NOW,
        )
    assert "isotretinoin" in error.value.field_errors


def test_the_intake_api_takes_the_date_of_the_last_dose(client, alice):
    client.force_login(alice)
    answers = _answers({"isotretinoin"})
    response = client.put(
        "/api/v1/me/intake",
        {"answers": answers, "dates": {"isotretinoin": "2026-01-02"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    answer = IntakeAnswer.objects.get(submission__client=alice, contraindication__slug="isotretinoin", answer=True)
    assert answer.since == dt.date(2026, 1, 2)
    assert [q for q in response.json()["questions"] if q["slug"] == "isotretinoin"][0]["asks_date"] is True


@pytest.mark.parametrize(
    ("slug", "change"),
    [
        ("pregnancy", {"severity": "staff_review"}),
        ("breastfeeding", {"active": False}),
        ("active_infection", {"severity": "doctor_clearance"}),
        ("keloid", {"active": False}),
    ],
)
def test_core_contraindications_keep_their_floor_without_a_reason(rules, slug, change):
    item = Contraindication.objects.get(slug=slug)
    for field, value in change.items():
        setattr(item, field, value)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert set(error.value.message_dict) & {"severity", "active"}
    item.relax_reason = "New guidance from our medical director, 2026"
    item.full_clean()
    item.save()
    assert item.history.first().relax_reason.startswith("New guidance")


def test_isotretinoin_may_still_be_relaxed_without_a_reason(rules):
    item = Contraindication.objects.get(slug="isotretinoin")
    item.severity = Contraindication.Severity.DOCTOR_CLEARANCE
    item.full_clean()


def test_the_admin_refuses_to_switch_off_pregnancy_without_a_reason(client, owner, rules):
    item = Contraindication.objects.get(slug="pregnancy")
    client.force_login(owner)
    url = reverse("admin:treatments_contraindication_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "active"}
    data["waiting_days"] = ""
    response = client.post(url, data)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.active
