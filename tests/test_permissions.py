"""Every URL of the URLconf, visited as anonymous, a client, another client, staff and admin.

The table below is the expected outcome of a GET for each persona. The URL list is generated
from the URLconf: a new URL without a row here fails ``test_every_url_has_an_expectation``.
``alice`` owns every object in the URLs; ``bob`` is another client.

Outcomes: ``ok`` 200; ``login`` redirect to the login page (pages) or 401/403 (API, anonymous);
``forbidden`` 403; ``missing`` 404; ``redirect`` another 302; ``post`` 405 (a POST-only action).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clients.models import DoctorClearance
from scheduling.models import Alert, Appointment, Closure, Notification, PlanSession, SessionPhoto, TimeOff
from scheduling.plans.services import start_plan
from scheduling.privacy import photo_export_url
from tests.factories import AppointmentFactory

# "staff" is anna, a practitioner; "desk" the front desk; "owner" the superuser (spa.lib.roles).
PERSONAS = ["anonymous", "alice", "bob", "staff", "desk", "owner"]

PUBLIC = dict.fromkeys(PERSONAS, "ok")
CLIENT_PAGE = {"anonymous": "login", "alice": "ok", "bob": "ok", "staff": "ok", "owner": "ok"}
OWN_PAGE = {"anonymous": "login", "alice": "ok", "bob": "missing", "staff": "missing", "owner": "missing"}
STAFF_PAGE = {"anonymous": "login", "alice": "forbidden", "bob": "forbidden", "staff": "ok", "owner": "ok"}
STAFF_POST = {"anonymous": "login", "alice": "forbidden", "bob": "forbidden", "staff": "post", "owner": "post"}
OWN_OR_STAFF = {"anonymous": "login", "alice": "ok", "bob": "missing", "staff": "ok", "owner": "ok"}
API_ANYONE = PUBLIC
API_CLIENT = {"anonymous": "login", "alice": "ok", "bob": "ok", "staff": "ok", "owner": "ok"}
API_OWN_OR_STAFF = {"anonymous": "login", "alice": "ok", "bob": "missing", "staff": "ok", "owner": "ok"}
API_POST = {"anonymous": "login", "alice": "post", "bob": "post", "staff": "post", "owner": "post"}
API_STAFF_POST = {"anonymous": "login", "alice": "forbidden", "bob": "forbidden", "staff": "post", "owner": "post"}
API_STAFF = {"anonymous": "login", "alice": "forbidden", "bob": "forbidden", "staff": "ok", "owner": "ok"}
# Front desk's pages (client records, bookings for clients, hours, closures, the outbox): not a
# practitioner's. The owner's dashboard: neither.
DESK_PAGE = {**STAFF_PAGE, "staff": "forbidden"}
DESK_POST = {**STAFF_POST, "staff": "forbidden"}
API_DESK_POST = {**API_STAFF_POST, "staff": "forbidden"}
OWNER_PAGE = {**STAFF_PAGE, "staff": "forbidden", "desk": "forbidden"}
# Session records: the practitioner's (on her own appointments) and the owner's, not the desk's.
CLINICAL_PAGE = {**STAFF_PAGE, "desk": "forbidden"}
CLINICAL_POST = {**STAFF_POST, "desk": "forbidden"}

# name → (which object fills the URL, expected outcome per persona)
EXPECTED: dict[str, tuple[str | None, dict[str, str]]] = {
    "home": (None, PUBLIC),
    "healthz": (None, PUBLIC),
    "login": (None, {"anonymous": "ok", **dict.fromkeys(PERSONAS[1:], "redirect")}),
    "logout": (None, {p: "post" for p in PERSONAS}),
    "password_change": (None, CLIENT_PAGE),
    "password_change_done": (None, CLIENT_PAGE),
    "password_reset": (None, PUBLIC),
    "password_reset_done": (None, PUBLIC),
    "password_reset_confirm": ("reset", PUBLIC),
    "password_reset_complete": (None, PUBLIC),
    "treatments:list": (None, PUBLIC),
    "treatments:find": (None, PUBLIC),
    "clients:signup": (None, {"anonymous": "ok", **dict.fromkeys(PERSONAS[1:], "redirect")}),
    "clients:profile": (None, CLIENT_PAGE),
    "clients:intake": (None, CLIENT_PAGE),
    "clients:my_data": (None, CLIENT_PAGE),
    "clients:my_data_export": (None, CLIENT_PAGE),
    "clients:delete_account": (None, {"anonymous": "login", **dict.fromkeys(PERSONAS[1:], "post")}),
    "clients:staff_clients": (None, DESK_PAGE),
    "clients:staff_client": ("client", DESK_PAGE),
    "clients:staff_clearance_letter": ("clearance", DESK_PAGE),
    "scheduling:book": (None, PUBLIC),
    "scheduling:book_service": ("service", PUBLIC),
    # Without a chosen slot the confirmation sends her back to pick one.
    "scheduling:book_confirm": ("service", {"anonymous": "login", **dict.fromkeys(PERSONAS[1:], "redirect")}),
    "scheduling:my_appointments": (None, CLIENT_PAGE),
    "scheduling:appointment_detail": ("appointment", OWN_PAGE),
    "scheduling:appointment_cancel": ("appointment", OWN_PAGE),
    "scheduling:appointment_reschedule": ("appointment", OWN_PAGE),
    "scheduling:staff_schedule": (None, STAFF_PAGE),
    "scheduling:staff_week": (None, STAFF_PAGE),
    "scheduling:staff_appointment": ("appointment", STAFF_PAGE),
    "scheduling:staff_check_in": ("appointment", STAFF_POST),
    "scheduling:staff_no_show": ("appointment", STAFF_POST),
    "scheduling:staff_cancel": ("appointment", DESK_POST),
    "scheduling:staff_reschedule": ("appointment", DESK_PAGE),
    "scheduling:staff_book": (None, DESK_PAGE),
    "scheduling:staff_hours": (None, DESK_PAGE),
    "scheduling:staff_time_off": (None, STAFF_PAGE),
    "scheduling:staff_time_off_delete": ("time_off", STAFF_POST),
    "scheduling:staff_closures": (None, DESK_PAGE),
    "scheduling:staff_closure_delete": ("closure", DESK_POST),
    "scheduling:staff_dashboard": (None, OWNER_PAGE),
    # Calendar apps fetch without a session: anonymous gets a plain 404, never a login page.
    "scheduling:appointment_ics": ("appointment", {**OWN_OR_STAFF, "anonymous": "missing"}),
    "scheduling:practitioner_feed": ("feed", PUBLIC),
    "scheduling:plan_start": (None, CLIENT_PAGE),
    # One active plan: the list goes straight to it.
    "scheduling:my_plans": (None, {**CLIENT_PAGE, "alice": "redirect"}),
    "scheduling:my_plan": ("plan", OWN_PAGE),
    "scheduling:plan_course": ("plan", OWN_PAGE),
    "scheduling:rate_session": ("session", OWN_PAGE),
    "scheduling:session_photo": ("photo", OWN_OR_STAFF),
    "scheduling:exported_photo": ("photo_link", PUBLIC),  # the signed, expiring link is the key
    "scheduling:record_session": ("appointment", CLINICAL_PAGE),
    "scheduling:staff_client_plans": ("client", STAFF_PAGE),
    "scheduling:plan_extend": ("plan", CLINICAL_POST),
    "scheduling:plan_end": ("plan", CLINICAL_POST),
    "scheduling:plan_photo": ("plan", CLINICAL_POST),
    "scheduling:report_problem": ("session", OWN_PAGE),
    "scheduling:adverse_event": ("client", STAFF_POST),
    "scheduling:plan_release": ("plan", STAFF_POST),
    "scheduling:alert_resolve": ("alert", STAFF_POST),
    "scheduling:messages": (None, CLIENT_PAGE),
    "scheduling:previsit": ("appointment", OWN_PAGE),
    "scheduling:staff_outbox": (None, DESK_PAGE),
    "scheduling:staff_outbox_resend": ("notification", DESK_POST),
    "api-concerns": (None, API_ANYONE),
    "api-areas": (None, API_ANYONE),
    "api-services": (None, API_ANYONE),
    "api-recommendation": (None, API_ANYONE),
    "api-register": (None, {p: "post" for p in PERSONAS}),
    "api-token": (None, {p: "post" for p in PERSONAS}),
    "api-me": (None, API_CLIENT),
    "api-my-intake": (None, API_CLIENT),
    "api-my-export": (None, API_CLIENT),
    "api-my-delete": (None, API_POST),
    "api-client-clearance": ("client", API_DESK_POST),
    "api-availability": (None, API_ANYONE),
    "api-availability-days": (None, API_ANYONE),
    "api-appointments": (None, API_CLIENT),
    "api-appointment": ("appointment", API_OWN_OR_STAFF),
    "api-appointment-cancel": ("appointment", API_POST),
    "api-appointment-reschedule": ("appointment", API_POST),
    "api-schedule": (None, API_STAFF),
    "api-appointment-check-in": ("appointment", API_STAFF_POST),
    "api-appointment-no-show": ("appointment", API_STAFF_POST),
    "api-appointment-ics": ("appointment", API_OWN_OR_STAFF),
    "api-plans": (None, API_CLIENT),
    "api-plan": ("plan", API_OWN_OR_STAFF),
    "api-plan-course": ("plan", API_OWN_OR_STAFF),
    "api-appointment-complete": ("appointment", API_STAFF_POST),  # POST by the desk: 403 (test_record_rules)
    "api-me-notifications": (None, API_CLIENT),
    "schema": (None, PUBLIC),
    "api-docs": (None, PUBLIC),
}


def _url_names() -> list[str]:
    def walk(patterns: list, namespace: str | None = None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return sorted(set(walk(get_resolver().url_patterns)))


def test_every_url_has_an_expectation():
    assert sorted(set(_url_names()) - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - set(_url_names())) == []


@pytest.fixture
def world(alice, bob, anna, owner, desk):
    """Objects of alice's in every URL: a plan, a booked and a completed session, a message…"""
    anna.user.is_staff = True
    anna.user.save()
    plan = start_plan(client=alice, concern="deep_acne_scars", area="cheeks", created_by=alice)
    past = timezone.now() - dt.timedelta(days=10)
    done = AppointmentFactory(
        client=alice, practitioner=anna, service=plan.service, plan=plan, session_number=1, start=past
    )
    done.status = Appointment.Status.COMPLETED
    done.save()
    session = PlanSession.objects.create(plan=plan, number=1, appointment=done, depth_used_mm=Decimal("1.50"))
    booked = AppointmentFactory(
        client=alice,
        practitioner=anna,
        service=plan.service,
        plan=plan,
        session_number=2,
        start=past + dt.timedelta(weeks=5),
    )
    photo = SessionPhoto.objects.create(session=session, kind="before", image=ContentFile(b"jpeg", name="b.jpg"))
    clearance = DoctorClearance.objects.create(
        client=alice,
        note="GP letter",
        recorded_by=anna.user,
        letter=ContentFile(b"%PDF", name="letter.pdf"),
        expires_on=dt.date(2099, 1, 1),
    )
    alert = Alert.objects.create(kind=Alert.Kind.CLIENT_REPORT, client=alice, text="Redness spreading")
    notification = Notification.objects.create(
        client=alice,
        kind="reminder",
        due_at=timezone.now(),
        status=Notification.Status.FAILED,
        dedupe_key="test:1",
        subject="Reminder",
        body_text="See you",
    )
    time_off = TimeOff.objects.create(
        practitioner=anna, start=timezone.now() + dt.timedelta(days=30), end=timezone.now() + dt.timedelta(days=31)
    )
    closure = Closure.objects.create(
        start_date=dt.date.today() + dt.timedelta(days=60), end_date=dt.date.today() + dt.timedelta(days=61), reason="x"
    )
    return {
        "personas": {"alice": alice, "bob": bob, "staff": anna.user, "desk": desk, "owner": owner},
        "client": {"pk": alice.pk},
        "plan": {"pk": plan.pk},
        "appointment": {"pk": booked.pk},
        "session": {"pk": session.pk},
        "photo": {"pk": photo.pk},
        "photo_link": {"token": photo_export_url(photo).rstrip("/").rsplit("/", 1)[-1]},
        "clearance": {"pk": clearance.pk},
        "alert": {"pk": alert.pk},
        "notification": {"pk": notification.pk},
        "time_off": {"pk": time_off.pk},
        "closure": {"pk": closure.pk},
        "service": {"slug": plan.service.slug},
        "feed": {"token": anna.calendar_token},
        "reset": {"uidb64": "MQ", "token": "set-password"},
    }


QUERIES = {
    "api-recommendation": "?concern=deep_acne_scars&area=cheeks",
    "api-availability": "?service=microneedling-face&start={today}&end={today}",
    "api-availability-days": "?service=microneedling-face&start={today}&end={today}",
}


def _outcome(response, name: str, persona: str) -> str:
    code = response.status_code
    if code == 200:
        return "ok"
    if code == 302:
        return "login" if "/accounts/login/" in response["Location"] else "redirect"
    if code in (401, 403) and persona == "anonymous":
        return "login"
    return {403: "forbidden", 404: "missing", 405: "post"}.get(code, str(code))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_expected(client, world, persona):
    api = APIClient()
    if persona != "anonymous":
        user = world["personas"][persona]
        client.force_login(user)
        token, _ = Token.objects.get_or_create(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    wrong = []
    for name, (kind, expected) in EXPECTED.items():
        url = reverse(name, kwargs=world[kind] if kind else None)
        url += QUERIES.get(name, "").format(today=dt.date.today() + dt.timedelta(days=3))
        if name.startswith("api-"):
            response = api.get(url)
        else:
            response = client.get(url)
        got = _outcome(response, name, persona)
        want = expected.get(persona, expected["owner"])  # the desk reaches what the owner does unless said
        if got != want:
            wrong.append(f"{name} ({url}): expected {want}, got {got} [{response.status_code}]")
    assert not wrong, f"As {persona}:\n" + "\n".join(wrong)
