"""The clients' pages: accounts, profile, intake and consent, my data, staff pages, permissions."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import AuditEntry, ConsentSignature, DoctorClearance, IntakeSubmission, User
from clients.screening import Status, screening_status
from clients.selectors import active_questions
from tests.factories import PASSWORD, make_client, sign_consent, submit_intake
from treatments.models import Contraindication

SIGNUP = {
    "email": "nora@example.com",
    "password": "a-long-new-password-9",
    "first_name": "Nora",
    "last_name": "New",
    "phone": "+447700900456",
    "date_of_birth": "1994-07-08",
}


def intake_post(yes: set[str] = frozenset(), **extra: str) -> dict[str, str]:
    data = {item.slug: "yes" if item.slug in yes else "no" for item in active_questions()}
    data.update(extra)
    return data


# --- accounts ---------------------------------------------------------------------------


def test_signup_creates_the_client_logs_her_in_and_asks_for_the_intake(client, rules):
    response = client.post(reverse("clients:signup"), SIGNUP)
    assert response.status_code == 302
    assert response.url == reverse("clients:intake")
    user = User.objects.get(email="nora@example.com")
    assert user.client_profile.phone == "+447700900456"
    assert client.get(reverse("clients:profile")).status_code == 200


def test_signup_shows_field_errors_and_creates_nothing(client, alice):
    response = client.post(
        reverse("clients:signup"), {**SIGNUP, "email": "alice@example.com", "phone": "0770", "password": "short"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"email", "phone", "password"}
    assert not User.objects.filter(email="nora@example.com").exists()


def test_login_with_email_and_password(client, alice):
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == alice.pk


def test_five_failed_logins_lock_the_account_out_with_a_clear_page(client, alice):
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "alice@example.com", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": "wrong"})
    assert response.status_code == 429  # django-axes' lockout status
    # Even the right password is refused while the lock holds.
    response = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_counts_every_spelling_of_the_email_together(client, alice):
    for spelling in ["alice@example.com", "ALICE@example.com", "Alice@Example.com", "alice@EXAMPLE.com"]:
        client.post(reverse("login"), {"username": spelling, "password": "wrong"})
    response = client.post(reverse("login"), {"username": "aLiCe@example.com", "password": "wrong"})
    assert response.status_code == 429


def test_password_reset_by_email_sets_a_new_password(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand-new-pass-77")


def test_account_pages_render(client, alice):
    client.force_login(alice)
    for name in ["password_change", "password_reset"]:
        assert client.get(reverse(name)).status_code == 200
    client.logout()
    assert client.get(reverse("login")).status_code == 200


# --- profile ---------------------------------------------------------------------------


def test_profile_page_saves_her_details(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("clients:profile"),
        {
            "first_name": "Alice",
            "last_name": "Archer",
            "phone": "+447700900999",
            "date_of_birth": "1990-01-15",
            "skin_type": "2",
            "preferred_channel": "sms",
            "marketing_opt_in": "on",
        },
    )
    assert response.status_code == 302
    profile = User.objects.get(pk=alice.pk).client_profile
    assert (profile.phone, profile.skin_type, profile.preferred_channel, profile.marketing_opt_in) == (
        "+447700900999",
        2,
        "sms",
        True,
    )


def test_profile_page_refuses_a_bad_phone(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("clients:profile"),
        {"first_name": "Alice", "last_name": "Archer", "phone": "12", "preferred_channel": "email"},
    )
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors


def test_profile_tells_an_under_eighteen_she_cannot_book_online(client, alice):
    profile = alice.client_profile
    profile.date_of_birth = dt.date.today() - dt.timedelta(days=16 * 365)
    profile.save()
    client.force_login(alice)
    assert "18 or over" in client.get(reverse("clients:profile")).content.decode()


# --- intake and consent ----------------------------------------------------------------


def test_the_intake_page_asks_every_active_question_in_admin_order(client, alice):
    client.force_login(alice)
    response = client.get(reverse("clients:intake"))
    form = response.context["form"]
    assert [f.name for f in form.question_fields()] == [item.slug for item in active_questions()]
    assert "Are you pregnant, or could you be?" in response.content.decode()


def test_pregnant_yes_is_told_a_doctors_clearance_is_needed(client, rules, consent):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole", screened=False)
    client.force_login(carol)
    response = client.post(
        reverse("clients:intake"), intake_post({"pregnancy"}, signed_name="carol cole", accepted="on")
    )
    assert response.status_code == 302
    page = client.get(reverse("clients:intake")).content.decode()
    assert "doctor&#x27;s clearance" in page or "doctor's clearance" in page
    signature = ConsentSignature.objects.get(client=carol)
    assert signature.ip_address == "127.0.0.1"


def test_an_unanswered_question_is_a_form_error_and_nothing_is_saved(client, rules, consent):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole", screened=False)
    client.force_login(carol)
    data = intake_post(signed_name="Carol Cole", accepted="on")
    del data["pregnancy"]
    response = client.post(reverse("clients:intake"), data)
    assert response.status_code == 200
    assert "pregnancy" in response.context["form"].errors
    assert not IntakeSubmission.objects.filter(client=carol).exists()


def test_a_wrong_signature_name_is_a_form_error(client, rules, consent):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole", screened=False)
    client.force_login(carol)
    response = client.post(reverse("clients:intake"), intake_post(signed_name="Somebody", accepted="on"))
    assert response.status_code == 200
    assert "signed_name" in response.context["form"].errors
    assert not IntakeSubmission.objects.filter(client=carol).exists()


def test_with_the_current_consent_signed_the_page_only_asks_the_questions(client, alice):
    client.force_login(alice)
    response = client.get(reverse("clients:intake"))
    assert "signed_name" not in response.context["form"].fields
    assert client.post(reverse("clients:intake"), intake_post({"diabetes"})).status_code == 302
    assert screening_status(user_id=alice.pk).status == Status.STAFF_REVIEW


def test_bob_sees_his_own_intake_not_alices(client, alice, bob):
    submit_intake(alice, {"pregnancy"})
    client.force_login(bob)
    response = client.get(reverse("clients:intake"))
    assert response.context["screening"].status == Status.CLEAR
    assert "Pregnancy" not in response.content.decode()


# --- my data ----------------------------------------------------------------------------


def test_my_data_export_downloads_her_data_only(client, alice, bob):
    client.force_login(bob)
    response = client.get(reverse("clients:my_data_export"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "bob@example.com"
    assert "alice@example.com" not in response.content.decode()


def test_delete_account_needs_the_password_and_the_box(client, alice):
    client.force_login(alice)
    response = client.post(reverse("clients:delete_account"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 400
    assert User.objects.get(pk=alice.pk).is_active
    response = client.post(reverse("clients:delete_account"), {"password": PASSWORD})
    assert response.status_code == 400


def test_delete_account_erases_her_and_logs_her_out(client, alice):
    client.force_login(alice)
    response = client.post(reverse("clients:delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    user = User.objects.get(pk=alice.pk)
    assert user.email == f"erased-{alice.pk}@invalid"
    assert not user.is_active
    assert client.get(reverse("clients:profile")).status_code == 302


# --- staff pages --------------------------------------------------------------------------


def test_staff_client_list_searches_by_name_email_and_phone(client, alice, bob, staff):
    client.force_login(staff)
    response = client.get(reverse("clients:staff_clients"), {"q": "archer"})
    assert [user for user, _ in response.context["rows"]] == [alice]
    response = client.get(reverse("clients:staff_clients"), {"q": "bob@"})
    assert [user for user, _ in response.context["rows"]] == [bob]
    response = client.get(reverse("clients:staff_clients"))
    assert staff not in [user for user, _ in response.context["rows"]]


@pytest.mark.parametrize("count", [1, 50])
def test_staff_client_list_takes_a_constant_number_of_queries(client, staff, count, django_assert_max_num_queries):
    for n in range(count):
        user = make_client(f"client{n}@example.com")
        submit_intake(user, {"diabetes"} if n % 2 else set())
    client.force_login(staff)
    with django_assert_max_num_queries(11):  # one more than before roles: her permissions, once
        response = client.get(reverse("clients:staff_clients"))
    assert len(response.context["rows"]) == count


def test_staff_client_record_shows_answers_flags_and_is_audited(client, alice, staff):
    submit_intake(alice, {"pregnancy", "retinoids"})
    client.force_login(staff)
    response = client.get(reverse("clients:staff_client", args=[alice.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Pregnancy</strong>" in page and "Are you pregnant, or could you be?" in page
    assert response.context["screening"].status == Status.DOCTOR_CLEARANCE
    entry = AuditEntry.objects.get(client=alice, action=AuditEntry.Action.VIEW)
    assert entry.actor == staff


@pytest.mark.parametrize("intakes", [1, 30])
def test_staff_client_record_takes_a_constant_number_of_queries(
    client, alice, staff, intakes, django_assert_max_num_queries
):
    for _ in range(intakes):
        submit_intake(alice, {"pregnancy"})
    client.force_login(staff)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("clients:staff_client", args=[alice.pk])).status_code == 200


def test_staff_record_a_clearance_with_a_letter_served_to_staff_only(client, alice, bob, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    submit_intake(alice, {"pregnancy"})
    client.force_login(staff)
    letter = SimpleUploadedFile("gp.pdf", b"%PDF-1.4 fine to treat", content_type="application/pdf")
    response = client.post(
        reverse("clients:staff_client", args=[alice.pk]),
        {"note": "GP letter: fine to treat", "letter": letter, "expires_on": "2099-01-01"},
    )
    assert response.status_code == 302
    assert screening_status(user_id=alice.pk).status == Status.CLEAR
    clearance = DoctorClearance.objects.get(client=alice)
    url = reverse("clients:staff_clearance_letter", args=[clearance.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 fine to treat"
    client.force_login(alice)
    assert client.get(url).status_code == 403
    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_a_clearance_with_nothing_to_clear_is_a_form_error(client, alice, staff):
    client.force_login(staff)
    response = client.post(reverse("clients:staff_client", args=[alice.pk]), {"note": "GP letter"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not DoctorClearance.objects.exists()


def test_a_staff_account_has_no_client_record(client, staff, owner):
    client.force_login(staff)
    assert client.get(reverse("clients:staff_client", args=[owner.pk])).status_code == 404


# --- the permission matrix ------------------------------------------------------------------

CLIENT_PAGES = ["clients:profile", "clients:intake", "clients:my_data", "clients:my_data_export"]
STAFF_PAGES = ["clients:staff_clients", "clients:staff_client"]


def _url(name: str, alice: User) -> str:
    return reverse(name, args=[alice.pk]) if name == "clients:staff_client" else reverse(name)


@pytest.mark.parametrize("name", CLIENT_PAGES + STAFF_PAGES)
def test_anonymous_is_sent_to_log_in(client, alice, name):
    response = client.get(_url(name, alice))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["alice", "bob"])
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_clients_get_403_on_staff_pages(client, alice, bob, persona, name):
    client.force_login({"alice": alice, "bob": bob}[persona])
    assert client.get(_url(name, alice)).status_code == 403


@pytest.mark.parametrize("persona", ["staff", "owner"])
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_and_admin_see_staff_pages(client, alice, staff, owner, persona, name):
    client.force_login({"staff": staff, "owner": owner}[persona])
    assert client.get(_url(name, alice)).status_code == 200


@pytest.mark.parametrize("persona", ["alice", "bob", "staff", "owner"])
@pytest.mark.parametrize("name", CLIENT_PAGES)
def test_everyone_logged_in_sees_only_their_own_pages(client, alice, bob, staff, owner, persona, name):
    user = {"alice": alice, "bob": bob, "staff": staff, "owner": owner}[persona]
    client.force_login(user)
    response = client.get(_url(name, alice))
    assert response.status_code == 200
    if persona != "alice":
        assert b"alice@example.com" not in response.content


def test_the_intake_page_is_prefilled_with_her_last_answers(client, alice):
    submit_intake(alice, {"diabetes"})
    client.force_login(alice)
    form = client.get(reverse("clients:intake")).context["form"]
    assert form["diabetes"].value() == "yes"
    assert form["pregnancy"].value() == "no"


@pytest.mark.parametrize("persona", ["alice", "bob", "staff", "owner"])
def test_signup_sends_anyone_logged_in_to_their_profile(client, alice, bob, staff, owner, persona):
    client.force_login({"alice": alice, "bob": bob, "staff": staff, "owner": owner}[persona])
    response = client.get(reverse("clients:signup"))
    assert response.status_code == 302
    assert response.url == reverse("clients:profile")


def test_anonymous_cannot_delete_anything(client, alice):
    response = client.post(reverse("clients:delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert User.objects.get(pk=alice.pk).is_active


def test_bob_deleting_his_account_leaves_alice_alone(client, alice, bob):
    client.force_login(bob)
    client.post(reverse("clients:delete_account"), {"password": PASSWORD, "confirm": "on"})
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.com"
    assert IntakeSubmission.objects.filter(client=alice).exists()


def test_a_staff_account_is_not_deleted_online(client, staff):
    client.force_login(staff)
    response = client.post(reverse("clients:delete_account"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 400
    assert User.objects.get(pk=staff.pk).is_active


def test_an_under_eighteen_is_refused_at_sign_up_with_the_reason(client, rules):
    born = (dt.date.today() - dt.timedelta(days=17 * 365)).isoformat()
    response = client.post(reverse("clients:signup"), {**SIGNUP, "date_of_birth": born})
    assert response.status_code == 200
    assert "You must be 18 or over to create an account" in response.content.decode()
    assert "parent or guardian" in response.context["form"].errors["date_of_birth"][0]
    assert not User.objects.filter(email="nora@example.com").exists()


def test_sign_up_shows_every_error_at_once(client, alice):
    # Required fields missing AND a taken email AND a bad phone AND a child's birthday: one submit.
    born = (dt.date.today() - dt.timedelta(days=11 * 365)).isoformat()
    data = {**SIGNUP, "email": "alice@example.com", "phone": "0770", "first_name": "", "date_of_birth": born}
    response = client.post(reverse("clients:signup"), data)
    assert set(response.context["form"].errors) == {"email", "phone", "first_name", "date_of_birth"}


def test_phone_is_normalised_and_brings_up_the_number_keypad(client, rules):
    page = client.get(reverse("clients:signup")).content.decode()
    assert 'inputmode="tel"' in page
    client.post(reverse("clients:signup"), {**SIGNUP, "phone": "07700 900456"})
    assert User.objects.get(email="nora@example.com").client_profile.phone == "+447700900456"


def test_sign_up_carries_next_to_the_questionnaire_and_drops_foreign_ones(client, rules):
    chosen = "/book/microneedling-face/confirm/?start=2026-06-01T10:00:00%2B01:00"
    login_page = client.get(reverse("login") + "?next=" + quote(chosen)).content.decode()
    assert reverse("clients:signup") + "?next=" + quote(chosen, safe="") in login_page.replace("&amp;", "&")
    response = client.post(reverse("clients:signup") + "?next=" + quote(chosen), SIGNUP)
    assert response.url == reverse("clients:intake") + "?next=" + quote(chosen, safe="")
    client.logout()
    other = {**SIGNUP, "email": "evil@example.com"}
    response = client.post(reverse("clients:signup") + "?next=https://evil.example/x", other)
    assert response.url == reverse("clients:intake")
    client.logout()
    response = client.post(reverse("clients:signup") + "?next=//evil.example/x", {**other, "email": "e2@example.com"})
    assert response.url == reverse("clients:intake")


def test_after_the_intake_she_is_brought_back_to_the_time_she_chose(client, rules):
    newcomer = make_client("newcomer@example.com", screened=False, first_name="Nora", last_name="New")
    sign_consent(newcomer)
    client.force_login(newcomer)
    chosen = "/book/microneedling-face/confirm/?start=2030-01-07T10%3A00%3A00%2B00%3A00"
    answers = {item.slug: "no" for item in Contraindication.objects.filter(active=True)}
    response = client.post(f"{reverse('clients:intake')}?next={quote(chosen)}", answers)
    assert response.status_code == 302
    assert response["Location"] == chosen


def test_the_intake_never_sends_her_to_another_site(client, rules):
    newcomer = make_client("newcomer@example.com", screened=False)
    sign_consent(newcomer)
    client.force_login(newcomer)
    answers = {item.slug: "no" for item in Contraindication.objects.filter(active=True)}
    response = client.post(f"{reverse('clients:intake')}?next=https://evil.example/", answers)
    assert response["Location"] == reverse("clients:intake")
