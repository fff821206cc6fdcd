"""The clients' services: sign-up, profile, intake, consent, clearance, the age rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clients import services
from clients.errors import ClientsError
from clients.models import AuditEntry, ConsentText, IntakeSubmission, User
from clients.screening import Status, screening_status
from clients.selectors import active_questions, age_problem
from tests.factories import make_client, submit_intake
from treatments.models import Contraindication

GOOD = {
    "email": "New.Client@Example.com",
    "password": "a-long-new-password-9",
    "first_name": "Nora",
    "last_name": "New",
    "phone": "+44 7700 900123",
    "date_of_birth": dt.date(1995, 5, 4),
}


def all_no() -> dict[str, bool]:
    return {item.slug: False for item in active_questions()}


def test_register_client_creates_the_account_and_profile(rules):
    user = services.register_client(**GOOD)
    assert user.email == "new.client@example.com"
    assert user.check_password(GOOD["password"])
    assert user.client_profile.phone == "+447700900123"
    assert user.client_profile.date_of_birth == dt.date(1995, 5, 4)
    assert not user.is_staff


def test_register_client_refuses_a_taken_email_in_any_case(rules):
    services.register_client(**GOOD)
    with pytest.raises(ClientsError) as error:
        services.register_client(**{**GOOD, "email": "NEW.client@example.com"})
    assert "email" in error.value.field_errors
    assert User.objects.count() == 1


def test_register_client_reports_every_bad_field_at_once(rules):
    with pytest.raises(ClientsError) as error:
        services.register_client(**{**GOOD, "phone": "0770", "password": "123", "date_of_birth": dt.date(2090, 1, 1)})
    assert set(error.value.field_errors) == {"phone", "password", "date_of_birth"}
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("+447700900123", "+447700900123"),
        ("+44 (0)7700-900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("07700 900123", "+447700900123"),  # read in SPA_PHONE_REGION (GB)
        ("+1 (212) 555-0123", "+12125550123"),
        ("0770", None),
        ("+44 77OO 900123", None),
        ("+0447700900123", None),
    ],
)
def test_phone_numbers_are_normalised_to_e164_or_refused(rules, raw, normalised):
    if normalised is None:
        with pytest.raises(ClientsError):
            services.register_client(**{**GOOD, "phone": raw})
    else:
        assert services.register_client(**{**GOOD, "phone": raw}).client_profile.phone == normalised


def test_age_problem_refuses_under_eighteens_and_missing_dates(rules):
    user = services.register_client(**{**GOOD, "date_of_birth": dt.date(2008, 6, 1)})
    assert age_problem(user=user, today=dt.date(2026, 5, 31)) == "You must be 18 or over to book online."
    assert age_problem(user=user, today=dt.date(2026, 6, 1)) is None
    user.client_profile.date_of_birth = None
    user.client_profile.save()
    assert "date of birth" in age_problem(user=user, today=dt.date(2026, 6, 1))


def test_update_profile_saves_every_field(alice):
    services.update_profile(
        user=alice,
        first_name="Alicia",
        last_name="Archer",
        phone="+33 6 12 34 56 78",
        date_of_birth=dt.date(1988, 2, 3),
        skin_type=3,
        preferred_channel="sms",
        marketing_opt_in=True,
    )
    alice.refresh_from_db()
    profile = alice.client_profile
    assert alice.first_name == "Alicia"
    assert (profile.phone, profile.skin_type, profile.preferred_channel, profile.marketing_opt_in) == (
        "+33612345678",
        3,
        "sms",
        True,
    )


def test_text_messages_need_a_phone_number(alice):
    with pytest.raises(ClientsError) as error:
        services.update_profile(
            user=alice, first_name="A", last_name="B", phone="", date_of_birth=None, preferred_channel="sms"
        )
    assert "phone" in error.value.field_errors


def test_submit_intake_needs_every_active_question(alice):
    answers = all_no()
    del answers["pregnancy"], answers["keloid"]
    with pytest.raises(ClientsError) as error:
        services.submit_intake(user=alice, answers=answers)
    assert error.value.code == "unanswered"
    assert set(error.value.field_errors) == {"pregnancy", "keloid"}


def test_submit_intake_refuses_unknown_questions(alice):
    with pytest.raises(ClientsError) as error:
        services.submit_intake(user=alice, answers={**all_no(), "vampire": True})
    assert error.value.code == "unknown_question"


def test_submit_intake_snapshots_the_questions_and_keeps_history(alice):
    before = alice.intakes.count()
    submission = services.submit_intake(user=alice, answers={**all_no(), "diabetes": True})
    item = Contraindication.objects.get(slug="diabetes")
    item.question = "Reworded question?"
    item.save()
    answer = submission.answers.get(contraindication=item)
    assert answer.question != "Reworded question?"
    assert answer.severity == "staff_review"
    assert answer.answer is True
    assert alice.intakes.count() == before + 1
    assert len(submission.questionnaire_version) == 40


def test_the_questionnaire_version_changes_when_the_questions_change(alice):
    first = services.submit_intake(user=alice, answers=all_no())
    Contraindication.objects.filter(slug="metal_allergy").update(active=False)
    second = services.submit_intake(user=alice, answers=all_no() | {})
    assert first.questionnaire_version != second.questionnaire_version
    assert second.answers.count() == first.answers.count() - 1


def test_sign_consent_needs_the_box_and_her_name_in_any_case(alice, consent):
    with pytest.raises(ClientsError) as error:
        services.sign_consent(user=alice, signed_name="Alice Archer", accepted=False, ip=None, user_agent="")
    assert error.value.field == "accepted"
    with pytest.raises(ClientsError) as error:
        services.sign_consent(user=alice, signed_name="Bob Baker", accepted=True, ip=None, user_agent="")
    assert error.value.field == "signed_name"
    signature = services.sign_consent(
        user=alice, signed_name="  alice   ARCHER ", accepted=True, ip="203.0.113.9", user_agent="Firefox"
    )
    assert signature.text == consent
    assert signature.ip_address == "203.0.113.9"
    assert signature.user_agent == "Firefox"


def test_sign_consent_signs_the_newest_version(alice, consent):
    newer = ConsentText.objects.create(version=consent.version + 1, body="New text")
    signature = services.sign_consent(user=alice, signed_name="Alice Archer", accepted=True, ip=None, user_agent="")
    assert signature.text == newer


def test_complete_intake_writes_nothing_when_the_consent_is_wrong(alice, consent):
    ConsentText.objects.create(version=consent.version + 1, body="New text")
    before = IntakeSubmission.objects.count()
    with pytest.raises(ClientsError) as error:
        services.complete_intake(user=alice, answers=all_no(), sign=True, signed_name="Someone", accepted=True)
    assert "signed_name" in error.value.field_errors
    assert IntakeSubmission.objects.count() == before


def test_grant_clearance_covers_her_doctor_clearance_answers_by_default(rules, staff):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole")
    submit_intake(carol, {"pregnancy", "breastfeeding", "diabetes"})
    assert screening_status(user_id=carol.pk).status == Status.DOCTOR_CLEARANCE
    with pytest.raises(ClientsError) as error:
        services.grant_clearance(client=carol, note="GP: fine to treat", by=staff)
    assert (error.value.code, error.value.field) == ("expiry_required", "expires_on")
    clearance = services.grant_clearance(
        client=carol, note="GP: fine to treat", by=staff, expires_on=dt.date(2099, 1, 1)
    )
    assert {c.slug for c in clearance.contraindications.all()} == {"pregnancy", "breastfeeding"}
    assert clearance.recorded_by == staff
    assert screening_status(user_id=carol.pk).status == Status.STAFF_REVIEW  # diabetes still flagged
    entry = AuditEntry.objects.get(client=carol, action=AuditEntry.Action.CHANGE)
    assert entry.actor == staff


def test_grant_clearance_refuses_when_nothing_needs_one(alice, staff):
    with pytest.raises(ClientsError) as error:
        services.grant_clearance(client=alice, note="GP", by=staff)
    assert error.value.code == "nothing_to_clear"


def test_grant_clearance_cannot_lift_a_block(alice, staff):
    with pytest.raises(ClientsError) as error:
        services.grant_clearance(
            client=alice, note="GP", by=staff, contraindications=[Contraindication.objects.get(slug="keloid")]
        )
    assert error.value.code == "not_doctor_clearance"


def test_grant_clearance_is_for_staff_only(alice, bob):
    submit_intake(alice, {"pregnancy"})
    with pytest.raises(ClientsError) as error:
        services.grant_clearance(client=alice, note="I clear myself", by=bob)
    assert error.value.status == 403


def test_grant_clearance_refuses_an_expiry_before_the_date(alice, staff):
    submit_intake(alice, {"pregnancy"})
    with pytest.raises(ClientsError) as error:
        services.grant_clearance(
            client=alice, note="GP", by=staff, cleared_on=dt.date(2026, 5, 1), expires_on=dt.date(2026, 4, 1)
        )
    assert error.value.field == "expires_on"


def test_grant_clearance_stores_the_letter_under_media_root(alice, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    submit_intake(alice, {"pregnancy"})
    letter = SimpleUploadedFile("gp-letter.pdf", b"%PDF-1.4 letter", content_type="application/pdf")
    clearance = services.grant_clearance(
        client=alice, note="GP", by=staff, letter=letter, expires_on=dt.date(2099, 1, 1)
    )
    assert clearance.letter.name.startswith(f"clearances/{alice.pk}/")
    assert (tmp_path / clearance.letter.name).read_bytes() == b"%PDF-1.4 letter"


def test_grant_clearance_refuses_other_file_types(alice, staff):
    submit_intake(alice, {"pregnancy"})
    letter = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    with pytest.raises(ClientsError) as error:
        services.grant_clearance(client=alice, note="GP", by=staff, letter=letter)
    assert error.value.field == "letter"
