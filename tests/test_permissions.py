"""Every URL of the URLconf, admin included, by every method its view accepts, for six personas.

Personas: ``anonymous``; ``alice``, a client who owns every object in the URLs; ``bob``, another
client; ``anna``, a practitioner (staff, group Practitioner); ``desk``, the front desk (group Front
desk); ``owner``, the superuser (roles: ``spa.lib.roles``).

The URL list is generated from the URLconf and the methods from each view (``require_POST`` and
``require_http_methods`` on function views, ``http_method_names`` on class views and DRF): a new
URL, or a new method on a view, without a row here fails ``test_every_url_has_an_expectation``
or ``test_each_row_sends_the_methods_its_view_accepts``. Admin rows are generated from
``admin.site._registry`` (tests/permission_matrix.py).

Writes are sent with an empty (or minimal) body: the point is the permission answer, not the
write. Each request runs in a savepoint rolled back after it, so every row sees the same world.
Outcomes:

- allowed in: ``ok`` (2xx: the page, the JSON, the API's write done, or a page answering a
  write with 200 and no form in error); ``redirect`` (a 3xx elsewhere than a login page: a page's
  write done, or a page sending her on); ``invalid`` (400, or a page answering a write with 200
  and a bound form in error: the permission check passed and validation refused the body);
  ``conflict`` (409: passed, a business rule refused);
- refused: ``login`` (a redirect to a login page, or 401/403 to anonymous on the API);
  ``forbidden`` (403); ``missing`` (404, someone else's object); ``not_allowed`` (405).

In a row, ``in`` means any allowed outcome: only the owner's admin writes use it, where what an
empty form leads to (shown again, saved as is, a protected row kept) is the form's business.

A refused write must have written nothing: each one compares the row count of every table and
the status of appointments, plans, messages, alerts and accounts before and after (else its
outcome reads ``wrote``). The admin's list gets the bulk delete action and its delete page the
confirmation, so a refused persona is refused a real deletion.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.permission_matrix import (
    ADMIN_QUERIES,
    PERSONAS,
    Row,
    accepted_methods,
    admin_rows,
    callbacks,
    let_in,
    login_as,
    matches,
    send,
    url_names,
)
from tests.permission_matrix import world as world  # the fixture, re-exported


def row(*, anonymous: str, alice: str, bob: str, anna: str, desk: str, owner: str) -> Row:
    """One outcome per persona, all six named: no persona's answer is implied by another's."""
    return {"anonymous": anonymous, "alice": alice, "bob": bob, "anna": anna, "desk": desk, "owner": owner}


def everyone(got: str) -> Row:
    return row(anonymous=got, alice=got, bob=got, anna=got, desk=got, owner=got)


def guests(got: str) -> Row:
    """Login and sign-up: for the logged-out; the logged-in are sent on."""
    return row(anonymous=got, alice="redirect", bob="redirect", anna="redirect", desk="redirect", owner="redirect")


def logged_in(got: str) -> Row:
    return row(anonymous="login", alice=got, bob=got, anna=got, desk=got, owner=got)


def own(got: str) -> Row:
    """Alice's own things: another client, and staff, get a 404 (not a hint that it exists)."""
    return row(anonymous="login", alice=got, bob="missing", anna="missing", desk="missing", owner="missing")


def own_or_staff(got: str) -> Row:
    return row(anonymous="login", alice=got, bob="missing", anna=got, desk=got, owner=got)


def staff(got: str) -> Row:
    """Every staff role: the practitioner on her own appointments (anna's, here), desk, owner."""
    return row(anonymous="login", alice="forbidden", bob="forbidden", anna=got, desk=got, owner=got)


def desk_and_owner(got: str) -> Row:
    """Client records, booking for clients, hours, closures, the outbox: not a practitioner's."""
    return row(anonymous="login", alice="forbidden", bob="forbidden", anna="forbidden", desk=got, owner=got)


def clinical(got: str) -> Row:
    """Session records and plans' clinical changes: the practitioner and the owner, not the desk."""
    return row(anonymous="login", alice="forbidden", bob="forbidden", anna=got, desk="forbidden", owner=got)


def owner_only(got: str) -> Row:
    return row(anonymous="login", alice="forbidden", bob="forbidden", anna="forbidden", desk="forbidden", owner=got)


PUBLIC = everyone("ok")
CLIENT_PAGE = logged_in("ok")
OWN_PAGE = own("ok")
OWN_FORM = own("invalid")
STAFF_PAGE = staff("ok")
DESK_PAGE = desk_and_owner("ok")
CLINICAL_PAGE = clinical("ok")
# The API answers anonymous 401/403 ("login"); staff reading a client's own list get their own.
API_PUBLIC = everyone("ok")
API_CLIENT = logged_in("ok")
API_OWN_OR_STAFF = own_or_staff("ok")


# URL name → (which object fills the URL, {method: outcome per persona}).
EXPECTED: dict[str, tuple[str | None, dict[str, Row]]] = {
    "home": (None, {"GET": PUBLIC}),
    "healthz": (None, {"GET": PUBLIC}),
    "login": (None, {"GET": guests("ok"), "POST": guests("invalid"), "PUT": guests("invalid")}),
    "logout": (None, {"POST": everyone("redirect")}),
    "password_change": (None, {"GET": CLIENT_PAGE, "POST": logged_in("invalid"), "PUT": logged_in("invalid")}),
    "password_change_done": (None, {"GET": CLIENT_PAGE}),
    "password_reset": (None, {"GET": PUBLIC, "POST": everyone("invalid"), "PUT": everyone("invalid")}),
    "password_reset_done": (None, {"GET": PUBLIC}),
    # A wrong token: the page says the link is invalid, with no form to post into.
    "password_reset_confirm": ("reset", {"GET": PUBLIC, "POST": everyone("ok"), "PUT": everyone("ok")}),
    "password_reset_complete": (None, {"GET": PUBLIC}),
    "treatments:list": (None, {"GET": PUBLIC}),
    "treatments:find": (None, {"GET": PUBLIC}),
    "clients:signup": (None, {"GET": guests("ok"), "POST": guests("invalid")}),
    "clients:profile": (None, {"GET": CLIENT_PAGE, "POST": logged_in("invalid")}),
    "clients:intake": (None, {"GET": CLIENT_PAGE, "POST": logged_in("invalid")}),
    "clients:my_data": (None, {"GET": CLIENT_PAGE}),
    "clients:my_data_export": (None, {"GET": CLIENT_PAGE}),
    "clients:delete_account": (None, {"POST": logged_in("invalid")}),
    "clients:staff_clients": (None, {"GET": DESK_PAGE}),
    # The practitioner has no client records; the desk records clearances (an empty form: 200).
    "clients:staff_client": ("client", {"GET": DESK_PAGE, "POST": desk_and_owner("invalid")}),
    "clients:staff_clearance_letter": ("clearance", {"GET": DESK_PAGE}),
    "scheduling:book": (None, {"GET": PUBLIC}),
    "scheduling:book_service": ("service", {"GET": PUBLIC}),
    # Without a chosen slot the confirmation sends her back to pick one.
    "scheduling:book_confirm": ("service", {"GET": logged_in("redirect"), "POST": logged_in("redirect")}),
    "scheduling:my_appointments": (None, {"GET": CLIENT_PAGE}),
    "scheduling:appointment_detail": ("appointment", {"GET": OWN_PAGE}),
    "scheduling:appointment_cancel": ("appointment", {"GET": OWN_PAGE, "POST": own("redirect")}),
    # No time chosen: back to the choice, with a message.
    "scheduling:appointment_reschedule": ("appointment", {"GET": OWN_PAGE, "POST": own("redirect")}),
    "scheduling:staff_schedule": (None, {"GET": STAFF_PAGE}),
    "scheduling:staff_week": (None, {"GET": STAFF_PAGE}),
    "scheduling:staff_appointment": ("appointment", {"GET": STAFF_PAGE}),
    # Not today's appointment: check-in refuses with its reason on the page (400).
    "scheduling:staff_check_in": ("appointment", {"POST": staff("invalid")}),
    "scheduling:staff_no_show": ("appointment", {"POST": staff("redirect")}),
    "scheduling:staff_cancel": ("appointment", {"POST": desk_and_owner("redirect")}),
    "scheduling:staff_reschedule": ("appointment", {"GET": DESK_PAGE, "POST": desk_and_owner("invalid")}),
    "scheduling:staff_book": (None, {"GET": DESK_PAGE, "POST": desk_and_owner("ok")}),  # no client chosen yet
    "scheduling:staff_hours": (None, {"GET": DESK_PAGE, "POST": desk_and_owner("invalid")}),
    "scheduling:staff_time_off": (None, {"GET": STAFF_PAGE, "POST": staff("invalid")}),
    "scheduling:staff_time_off_delete": ("time_off", {"POST": staff("redirect")}),
    "scheduling:staff_closures": (None, {"GET": DESK_PAGE, "POST": desk_and_owner("invalid")}),
    "scheduling:staff_closure_delete": ("closure", {"POST": desk_and_owner("redirect")}),
    "scheduling:staff_dashboard": (None, {"GET": owner_only("ok")}),
    # Calendar apps fetch without a session: anonymous gets a plain 404, never a login page.
    "scheduling:appointment_ics": ("appointment", {"GET": {**own_or_staff("ok"), "anonymous": "missing"}}),
    "scheduling:practitioner_feed": ("feed", {"GET": PUBLIC}),
    "scheduling:plan_start": (None, {"GET": CLIENT_PAGE, "POST": logged_in("invalid")}),
    # One active plan: the list goes straight to it.
    "scheduling:my_plans": (None, {"GET": {**CLIENT_PAGE, "alice": "redirect"}}),
    "scheduling:my_plan": ("plan", {"GET": OWN_PAGE}),
    "scheduling:plan_course": ("plan", {"GET": OWN_PAGE, "POST": OWN_FORM}),
    "scheduling:rate_session": ("session", {"GET": OWN_PAGE, "POST": OWN_FORM}),
    "scheduling:session_photo": ("photo", {"GET": own_or_staff("ok")}),
    "scheduling:exported_photo": ("photo_link", {"GET": PUBLIC}),  # the signed, expiring link is the key
    # Anna's own appointment; the desk records no sessions. Booked, not checked in: the form is refused.
    "scheduling:record_session": ("appointment", {"GET": CLINICAL_PAGE, "POST": clinical("invalid")}),
    "scheduling:staff_client_plans": ("client", {"GET": STAFF_PAGE}),
    "scheduling:plan_extend": ("plan", {"POST": clinical("redirect")}),
    "scheduling:plan_end": ("plan", {"POST": clinical("redirect")}),
    "scheduling:plan_photo": ("plan", {"POST": clinical("redirect")}),
    "scheduling:report_problem": ("session", {"GET": OWN_PAGE, "POST": OWN_FORM}),
    "scheduling:adverse_event": ("client", {"POST": staff("redirect")}),
    "scheduling:plan_release": ("plan", {"POST": clinical("redirect")}),
    "scheduling:alert_resolve": ("alert", {"POST": staff("redirect")}),
    "scheduling:messages": (None, {"GET": CLIENT_PAGE}),
    "scheduling:previsit": ("appointment", {"GET": OWN_PAGE, "POST": OWN_FORM}),
    "scheduling:staff_outbox": (None, {"GET": DESK_PAGE}),
    "scheduling:staff_outbox_resend": ("notification", {"POST": desk_and_owner("redirect")}),
    "api-concerns": (None, {"GET": API_PUBLIC}),
    "api-areas": (None, {"GET": API_PUBLIC}),
    "api-services": (None, {"GET": API_PUBLIC}),
    "api-recommendation": (None, {"GET": API_PUBLIC}),
    "api-register": (None, {"POST": everyone("invalid")}),
    "api-token": (None, {"POST": everyone("invalid")}),
    "api-me": (None, {"GET": API_CLIENT}),
    "api-my-intake": (None, {"GET": API_CLIENT, "PUT": logged_in("invalid")}),
    "api-my-export": (None, {"GET": API_CLIENT}),
    "api-my-delete": (None, {"POST": logged_in("invalid")}),
    "api-client-clearance": ("client", {"POST": desk_and_owner("invalid")}),
    "api-availability": (None, {"GET": API_PUBLIC}),
    "api-availability-days": (None, {"GET": API_PUBLIC}),
    "api-appointments": (None, {"GET": API_CLIENT, "POST": logged_in("invalid")}),
    "api-appointment": ("appointment", {"GET": API_OWN_OR_STAFF}),
    # Changing a client's booking is the front desk's, on the API as on the staff pages.
    "api-appointment-cancel": ("appointment", {"POST": {**own_or_staff("ok"), "anna": "forbidden"}}),
    "api-appointment-reschedule": ("appointment", {"POST": {**own_or_staff("invalid"), "anna": "forbidden"}}),
    "api-schedule": (None, {"GET": staff("ok")}),
    # In four weeks: not today's to check in, not started to be a no-show (400).
    "api-appointment-check-in": ("appointment", {"POST": staff("invalid")}),
    "api-appointment-no-show": ("appointment", {"POST": staff("invalid")}),
    "api-appointment-ics": ("appointment", {"GET": API_OWN_OR_STAFF}),
    "api-plans": (None, {"GET": API_CLIENT, "POST": logged_in("invalid")}),
    "api-plan": ("plan", {"GET": API_OWN_OR_STAFF}),
    "api-plan-course": ("plan", {"GET": API_OWN_OR_STAFF, "POST": {**own_or_staff("invalid"), "anna": "forbidden"}}),
    "api-appointment-complete": ("appointment", {"POST": clinical("invalid")}),
    "api-me-notifications": (None, {"GET": API_CLIENT}),
    "schema": (None, {"GET": PUBLIC}),
    "api-docs": (None, {"GET": PUBLIC}),
}

# The same URLs on another practitioner's appointment and time off (ben's; the client is still
# alice): the front desk and the owner reach them, anna does not. Keys: "URL name@whose".
NOT_ANNAS: dict[str, tuple[str | None, dict[str, Row]]] = {
    "scheduling:staff_appointment@ben": ("bens_appointment", {"GET": DESK_PAGE}),
    "scheduling:staff_check_in@ben": ("bens_appointment", {"POST": desk_and_owner("invalid")}),
    "scheduling:staff_no_show@ben": ("bens_appointment", {"POST": desk_and_owner("redirect")}),
    "scheduling:record_session@ben": ("bens_appointment", {"GET": owner_only("ok"), "POST": owner_only("invalid")}),
    "scheduling:staff_time_off_delete@ben": ("bens_time_off", {"POST": desk_and_owner("redirect")}),
    # The calendar file and the API hide another practitioner's appointment from her (404).
    "scheduling:appointment_ics@ben": (
        "bens_appointment",
        {"GET": {**own_or_staff("ok"), "anonymous": "missing", "anna": "missing"}},
    ),
    "api-appointment@ben": ("bens_appointment", {"GET": {**own_or_staff("ok"), "anna": "missing"}}),
    "api-appointment-check-in@ben": ("bens_appointment", {"POST": {**staff("invalid"), "anna": "missing"}}),
    "api-appointment-no-show@ben": ("bens_appointment", {"POST": {**staff("invalid"), "anna": "missing"}}),
    "api-appointment-complete@ben": ("bens_appointment", {"POST": owner_only("invalid")}),
    "api-appointment-ics@ben": ("bens_appointment", {"GET": {**own_or_staff("ok"), "anna": "missing"}}),
}

QUERIES = {
    "api-recommendation": "?concern=deep_acne_scars&area=cheeks",
    "api-availability": "?service=microneedling-face&start={soon}&end={soon}",
    "api-availability-days": "?service=microneedling-face&start={soon}&end={soon}",
    **ADMIN_QUERIES,
}


def _all_rows() -> dict[str, tuple[str | None, dict[str, Row]]]:
    return {**EXPECTED, **admin_rows()}


def test_every_url_has_an_expectation(db):
    names = set(url_names())
    assert sorted(names - set(_all_rows())) == [], "URLs without a row"
    assert sorted(set(_all_rows()) - names) == [], "rows without a URL"


def test_each_row_sends_the_methods_its_view_accepts(db):
    views = callbacks()
    wrong = {}
    for name, (_kind, by_method) in _all_rows().items():
        accepted = accepted_methods(views[name])
        if accepted is not None and set(by_method) != accepted:
            wrong[name] = f"the view accepts {sorted(accepted)}, the row sends {sorted(by_method)}"
    assert not wrong, wrong


def test_every_page_view_declares_its_methods():
    """A function view without ``require_http_methods`` answers PUT and DELETE as if GET."""
    views = callbacks()
    undeclared = [name for name in EXPECTED if accepted_methods(views[name]) is None]
    assert undeclared == []


@pytest.mark.parametrize(("one", "other"), list(itertools.combinations(PERSONAS, 2)))
def test_every_two_personas_are_let_in_differently_somewhere(db, one, other):
    """A column that copies another proves nothing about the role that sets them apart."""
    rows = [by_persona for _kind, by_method in _all_rows().values() for by_persona in by_method.values()]
    assert any(let_in(r[one]) != let_in(r[other]) for r in rows)


def _check(client, world: dict[str, Any], persona: str, rows: dict) -> tuple[list[str], list[str]]:
    visitor = login_as(client, world, persona)
    wrong, skipped = [], []
    for name, (kind, by_method) in rows.items():
        if kind is not None and world["kwargs"].get(kind) is None:
            skipped.append(name)
            continue
        url = reverse(name.split("@")[0], **(world["kwargs"][kind] if kind else {}))
        url += QUERIES.get(name, "").format(soon=world["soon"])
        for method, expected in by_method.items():
            got, detail = send(visitor, name=name, method=method, url=url)
            if not matches(got, expected[persona]):
                wrong.append(f"{method} {name} ({url}): expected {expected[persona]}, got {got} {detail}")
    return wrong, skipped


@pytest.fixture
def quiet(caplog):
    """Hundreds of expected 403s and 404s, each logged with its traceback: slow to format."""
    caplog.set_level(logging.ERROR, logger="django.request")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_expected(client, world, quiet, persona):
    wrong, skipped = _check(client, world, persona, {**EXPECTED, **NOT_ANNAS})
    assert not wrong, f"As {persona}:\n" + "\n".join(wrong)
    assert not skipped


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_admin_url_answers_each_persona_as_expected(client, world, quiet, persona):
    wrong, skipped = _check(client, world, persona, admin_rows())
    assert not wrong, f"As {persona}:\n" + "\n".join(wrong)
    if skipped:
        pytest.skip(f"no object in the world for these admin URLs, not visited: {', '.join(skipped)}")


def test_the_admin_registry_is_all_in_the_matrix(db):
    labels = {name.split(":", 1)[1].rsplit("_", 1)[0] for name in admin_rows()}
    for model in admin.site._registry:
        assert f"{model._meta.app_label}_{model._meta.model_name}" in labels
