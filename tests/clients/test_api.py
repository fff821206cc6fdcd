"""The clients' API: register, token (with lockout), me, me/intake, export, delete, clearance."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clients.models import AuditEntry, ConsentSignature, ConsentText, IntakeSubmission, User
from clients.screening import Status, screening_status
from clients.selectors import active_questions
from tests.factories import PASSWORD, make_client, submit_intake
from treatments.models import Contraindication

REGISTER = {
    "email": "nora@example.com",
    "password": "a-long-new-password-9",
    "first_name": "Nora",
    "last_name": "New",
    "phone": "+447700900456",
    "date_of_birth": "1994-07-08",
}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_user(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def all_answers(yes: set[str] = frozenset()) -> dict[str, bool]:
    return {item.slug: item.slug in yes for item in active_questions()}


def test_register_returns_a_token_that_works(api, rules):
    response = api.post("/api/v1/auth/register", REGISTER, format="json")
    assert response.status_code == 201
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me").json()
    assert me["email"] == "nora@example.com"
    assert me["phone"] == "+447700900456"
    assert me["date_of_birth"] == "1994-07-08"


def test_register_with_a_taken_email_is_a_400_field_error(api, alice):
    response = api.post("/api/v1/auth/register", {**REGISTER, "email": "ALICE@example.com"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "0770"),
        ("date_of_birth", "2015-01-01"),  # under 18: refused with the reason
        ("date_of_birth", "2099-01-01"),
        ("date_of_birth", "yesterday"),
        ("password", "1"),
    ],
)
def test_register_with_bad_input_is_a_400_on_the_field(api, rules, field, value):
    response = api.post("/api/v1/auth/register", {**REGISTER, field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(email="nora@example.com").exists()


def test_register_with_missing_fields_lists_them(api, rules):
    response = api.post("/api/v1/auth/register", {"email": "x@example.com"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"password", "first_name", "last_name", "phone", "date_of_birth"}


def test_token_for_good_credentials(api, alice):
    response = api.post("/api/v1/auth/token", {"email": "Alice@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=alice).key


def test_token_for_bad_credentials_is_400(api, alice):
    response = api.post("/api/v1/auth/token", {"email": "alice@example.com", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_credentials"


def test_token_is_locked_out_after_five_failures_with_a_clear_detail(api, alice):
    for _ in range(4):
        response = api.post("/api/v1/auth/token", {"email": "alice@example.com", "password": "x"}, format="json")
        assert response.status_code == 400
    response = api.post("/api/v1/auth/token", {"email": "alice@example.com", "password": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "locked_out"
    response = api.post("/api/v1/auth/token", {"email": "alice@example.com", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert "Too many failed log-ins" in response.json()["detail"]
    assert response["Content-Type"].startswith("application/json")


def test_token_attempts_are_throttled_per_address(api, rules):
    codes = [
        api.post("/api/v1/auth/token", {"email": f"x{n}@example.com", "password": "x"}, format="json").status_code
        for n in range(12)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10:] == [429, 429]


def test_me_for_anonymous_is_refused(api, alice):
    for path in ["/api/v1/me", "/api/v1/me/intake", "/api/v1/me/export"]:
        assert api.get(path).status_code in (401, 403)
    assert api.post("/api/v1/me/delete", {"confirm": True}, format="json").status_code in (401, 403)
    assert api.put("/api/v1/me/intake", {}, format="json").status_code in (401, 403)


def test_get_my_intake_follows_the_spec(alice):
    submit_intake(alice, {"diabetes", "retinoids"})
    body = as_user(alice).get("/api/v1/me/intake").json()
    assert set(body) >= {"questions", "answers", "consent", "status", "reasons", "valid_until"}
    assert [q["slug"] for q in body["questions"]] == [item.slug for item in active_questions()]
    assert set(body["questions"][0]) >= {"slug", "text", "severity"}  # plus `asks_date` (isotretinoin)
    assert body["answers"]["diabetes"] is True
    assert body["answers"]["pregnancy"] is False
    assert body["status"] == "staff_review"
    assert {r["slug"] for r in body["reasons"]} == {"diabetes", "retinoids"}
    assert body["consent"] is True


def test_bob_cannot_see_alices_intake(alice, bob):
    submit_intake(alice, {"pregnancy"})
    body = as_user(bob).get("/api/v1/me/intake").json()
    assert body["status"] == "clear"
    assert body["answers"]["pregnancy"] is False


def test_put_my_intake_with_consent_signs_the_current_version(rules, consent):
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole", screened=False)
    response = as_user(carol).put(
        "/api/v1/me/intake", {"answers": all_answers({"pregnancy"}), "consent": True}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "doctor_clearance"
    assert body["consent"] is True
    signature = ConsentSignature.objects.get(client=carol)
    assert signature.signed_name == "Carol Cole"
    assert signature.text == consent


def test_put_my_intake_without_every_answer_is_a_400_naming_them(alice):
    answers = all_answers()
    del answers["keloid"]
    before = IntakeSubmission.objects.filter(client=alice).count()
    response = as_user(alice).put("/api/v1/me/intake", {"answers": answers, "consent": True}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unanswered"
    assert response.json()["answers"] == {"keloid": ["Please answer this question."]}
    assert IntakeSubmission.objects.filter(client=alice).count() == before


def test_put_my_intake_with_non_boolean_answers_is_a_400(alice):
    response = as_user(alice).put("/api/v1/me/intake", {"answers": {**all_answers(), "keloid": "maybe"}}, format="json")
    assert response.status_code == 400
    assert "answers" in response.json()


def test_a_new_consent_version_asks_again(alice):
    ConsentText.objects.create(version=99, body="New version")
    api = as_user(alice)
    assert api.get("/api/v1/me/intake").json()["consent"] is False
    response = api.put("/api/v1/me/intake", {"answers": all_answers(), "consent": True}, format="json")
    assert response.json()["consent"] is True


def test_export_contains_her_data_only(alice, bob):
    body = as_user(bob).get("/api/v1/me/export").json()
    assert body["account"]["email"] == "bob@example.com"
    assert {"profile", "intakes", "consents", "clearances", "appointments", "plans", "notifications"} <= set(body)
    assert "alice" not in str(body).lower()


def test_delete_needs_confirm_true(alice):
    api = as_user(alice)
    assert api.post("/api/v1/me/delete", {}, format="json").status_code == 400
    response = api.post("/api/v1/me/delete", {"confirm": False, "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert "confirm" in response.json()
    assert User.objects.get(pk=alice.pk).is_active


def test_delete_erases_her_and_her_token_stops_working(api, alice):
    token = Token.objects.create(user=alice)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    wrong = api.post("/api/v1/me/delete", {"confirm": True, "password": "not-hers"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_password" and "password" in wrong.json()
    assert api.post("/api/v1/me/delete", {"confirm": True}, format="json").status_code == 400
    assert User.objects.get(pk=alice.pk).is_active
    response = api.post("/api/v1/me/delete", {"confirm": True, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert not User.objects.get(pk=alice.pk).is_active
    assert api.get("/api/v1/me").status_code in (401, 403)


def test_staff_accounts_are_not_erased_online(staff):
    response = as_user(staff).post("/api/v1/me/delete", {"confirm": True, "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert User.objects.get(pk=staff.pk).is_active


@pytest.mark.parametrize("persona", ["staff", "owner"])
def test_staff_records_a_clearance_and_she_is_clear(rules, staff, owner, persona):
    staff = {"staff": staff, "owner": owner}[persona]
    carol = make_client("carol@example.com", first_name="Carol", last_name="Cole")
    submit_intake(carol, {"pregnancy"})
    url = f"/api/v1/clients/{carol.pk}/clearance"
    refused = as_user(staff).post(url, {"note": "GP letter"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "expiry_required"
    response = as_user(staff).post(url, {"note": "GP letter", "expires_on": "2099-01-01"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["covers"] == ["pregnancy"]
    assert body["status"] == "clear"
    assert AuditEntry.objects.filter(client=carol, actor=staff, action="change").exists()


def test_clearance_errors_are_400(alice, staff):
    api = as_user(staff)
    assert api.post(f"/api/v1/clients/{alice.pk}/clearance", {}, format="json").status_code == 400
    response = api.post(f"/api/v1/clients/{alice.pk}/clearance", {"note": "GP"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "nothing_to_clear"
    response = api.post(
        f"/api/v1/clients/{alice.pk}/clearance", {"note": "GP", "contraindications": ["keloid"]}, format="json"
    )
    assert response.status_code == 400
    assert api.post("/api/v1/clients/999999/clearance", {"note": "GP"}, format="json").status_code == 404


@pytest.mark.parametrize("persona", ["anonymous", "alice", "bob"])
def test_clearance_is_refused_to_non_staff(api, alice, bob, persona):
    submit_intake(alice, {"pregnancy"})
    client = {"anonymous": api, "alice": as_user(alice), "bob": as_user(bob)}[persona]
    response = client.post(f"/api/v1/clients/{alice.pk}/clearance", {"note": "cleared"}, format="json")
    assert response.status_code in (401, 403)
    assert screening_status(user_id=alice.pk).status == Status.DOCTOR_CLEARANCE


@pytest.mark.parametrize("persona", ["alice", "bob", "staff", "owner"])
def test_me_is_always_the_caller(alice, bob, staff, owner, persona):
    user = {"alice": alice, "bob": bob, "staff": staff, "owner": owner}[persona]
    assert as_user(user).get("/api/v1/me").json()["id"] == user.pk


def test_the_schema_documents_the_clients_endpoints(client, rules):
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    paths = schema["paths"]
    for path in ["auth/register", "auth/token", "me", "me/intake", "me/export", "me/delete", "clients/{id}/clearance"]:
        assert f"/api/v1/{path}" in paths, path
    put = paths["/api/v1/me/intake"]["put"]
    assert "requestBody" in put
    assert "Intake" in str(put["responses"]["200"])
    assert "RegisterRequest" in str(paths["/api/v1/auth/register"]["post"]["requestBody"])


@pytest.mark.parametrize("intakes", [1, 40])
def test_my_intake_takes_a_constant_number_of_queries(alice, intakes, django_assert_max_num_queries):
    for _ in range(intakes):
        submit_intake(alice, {"diabetes"})
    api = as_user(alice)
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/me/intake")
    assert response.status_code == 200
    body = response.json()
    assert body["answers"]["diabetes"] is True
    assert len(body["questions"]) == len(body["answers"]) == Contraindication.objects.filter(active=True).count()
