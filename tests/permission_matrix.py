"""The machinery of the permission matrix (tests/test_permissions.py): the URL and method lists
taken from the URLconf and the views, the admin's rows generated from its registry, the world
every persona visits, and one request classified into an outcome.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.helpers import AdminForm
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.forms import BaseForm, BaseFormSet
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clients.models import AuditEntry, DoctorClearance
from scheduling.care.models import AdverseEvent, Alert, DayOfCheck
from scheduling.models import (
    Appointment,
    BookingPolicy,
    Closure,
    Notification,
    PlanSession,
    SessionPhoto,
    TimeOff,
    TreatmentPlan,
)
from scheduling.plans.services import start_plan
from scheduling.privacy import photo_export_url
from tests.factories import AppointmentFactory, PractitionerFactory
from treatments.models import MessageTemplate

PERSONAS = ("anonymous", "alice", "bob", "anna", "desk", "owner")
Row = dict[str, str]
ALLOWED = frozenset({"ok", "redirect", "invalid", "conflict"})
# In a row, ``in`` stands for any allowed outcome: the owner's admin writes, where what an empty
# form leads to (shown again, saved as is, a protected row kept) is the form's business.
ANY_ALLOWED = "in"
REFUSED = frozenset({"login", "forbidden", "missing", "not_allowed"})
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


# --- URLs and methods ----------------------------------------------------------------------


def _patterns(patterns: list, namespace: str | None = None) -> Iterator[tuple[str, Callable]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern.callback


def url_names() -> list[str]:
    return sorted({name for name, _view in _patterns(get_resolver().url_patterns)})


def callbacks() -> dict[str, Callable]:
    return dict(_patterns(get_resolver().url_patterns))


def accepted_methods(view: Callable) -> set[str] | None:
    """The methods a view answers, read from the view; ``None`` for a function view that takes
    any method (no ``require_http_methods``): the admin's, for one."""
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    if view_class is not None:
        instance = view_class()
        return {m for m in METHODS if m.lower() in view_class.http_method_names and hasattr(instance, m.lower())}
    while view is not None:  # through functools.wraps: login_required, staff_required…
        if "request_method_list" in view.__code__.co_freevars:
            cell = view.__closure__[view.__code__.co_freevars.index("request_method_list")]
            return set(cell.cell_contents) & set(METHODS)
        view = getattr(view, "__wrapped__", None)
    return None


# --- The admin's rows ----------------------------------------------------------------------

# The admin is the owner's: no group but Owner holds a model permission (spa.lib.roles), so every
# model page answers 403 to the practitioner and to the front desk, whatever the model.
STAFF_WITHOUT_MODEL_PERMISSIONS = "forbidden"
NOT_STAFF = {"anonymous": "login", "alice": "login", "bob": "login"}


def _owner_may(model_admin: admin.ModelAdmin) -> dict[str, bool]:
    """What the ModelAdmin lets a superuser do (read-only admins refuse add, change or delete)."""
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    return {
        "view": model_admin.has_view_or_change_permission(request),
        "add": model_admin.has_add_permission(request),
        "change": model_admin.has_change_permission(request),
        "delete": model_admin.has_delete_permission(request),
        "actions": bool(model_admin.get_actions(request)),
    }


def _model_row(suffix: str, may: dict[str, bool]) -> dict[str, str] | None:
    """The owner's outcome per method on one of a model's admin URLs; ``None``: not a standard URL."""

    def gate(allowed: bool, got: str = ANY_ALLOWED) -> str:
        return got if allowed else "forbidden"

    owner = {
        "changelist": {"GET": gate(may["view"], "ok"), "POST": gate(may["view"])},  # POST: the bulk delete
        "add": {"GET": gate(may["add"], "ok"), "POST": gate(may["add"])},
        "change": {"GET": gate(may["view"], "ok"), "POST": gate(may["change"])},
        "delete": {"GET": gate(may["delete"], "ok"), "POST": gate(may["delete"])},
        "history": {"GET": gate(may["view"], "ok")},
        # A version's page is read-only for everyone (spa/lib/admin.HistoryAdmin): its POST
        # ("Revert") is refused before any permission is asked, so staff get the 405 too.
        "simple_history": {"GET": gate(may["view"], "ok"), "POST": "not_allowed"},
    }.get(suffix)
    if owner is None:
        return None
    return {
        method: {
            **NOT_STAFF,
            "anna": "not_allowed" if got == "not_allowed" else STAFF_WITHOUT_MODEL_PERMISSIONS,
            "desk": "not_allowed" if got == "not_allowed" else STAFF_WITHOUT_MODEL_PERMISSIONS,
            "owner": got,
        }
        for method, got in owner.items()
    }


def _staff(got_by_staff: str, *, anna: str | None = None, desk: str | None = None, owner: str | None = None) -> Row:
    return {
        **NOT_STAFF,
        "anna": anna or got_by_staff,
        "desk": desk or got_by_staff,
        "owner": owner or got_by_staff,
    }


# The admin's own pages, and model URLs beyond the six standard ones: one explicit row each.
ADMIN_SITE: dict[str, tuple[str | None, dict[str, Row]]] = {
    "admin:index": (None, {"GET": _staff("ok")}),  # staff without model permissions: "nothing to edit"
    "admin:app_list": ("admin-app", {"GET": _staff("missing", owner="ok")}),  # no model of the app to show
    "admin:login": (
        None,
        {
            "GET": {
                "anonymous": "ok",
                "alice": "ok",
                "bob": "ok",
                "anna": "redirect",
                "desk": "redirect",
                "owner": "redirect",
            },
            "POST": dict.fromkeys(PERSONAS, "invalid"),
        },
    ),
    "admin:logout": (None, {"POST": dict.fromkeys(PERSONAS, "redirect")}),
    "admin:password_change": (None, {"GET": _staff("ok"), "POST": _staff("invalid")}),
    "admin:password_change_done": (None, {"GET": _staff("ok")}),
    "admin:jsi18n": (None, {"GET": _staff("ok")}),
    "admin:autocomplete": (None, {"GET": _staff("forbidden", owner="ok")}),  # areas: the owner's rules
    # No model has a page of its own (``get_absolute_url``): staff get a 404.
    "admin:view_on_site": ("admin-site-link", {"GET": _staff("missing")}),
    "admin:auth_user_password_change": (
        "admin-user",
        {"GET": _staff("forbidden", owner="ok"), "POST": _staff("forbidden", owner="invalid")},
    ),
}
ADMIN_QUERIES = {"admin:autocomplete": "?app_label=treatments&model_name=depthrule&field_name=area&term=ch"}
SUFFIXES = ("simple_history", "changelist", "add", "change", "delete", "history")


def admin_rows() -> dict[str, tuple[str | None, dict[str, Row]]]:
    """One row per admin URL name: the six standard URLs of every registered model, generated;
    the rest from ``ADMIN_SITE`` (a URL found in neither has no row, and the matrix fails)."""
    names = [name for name in url_names() if name.startswith("admin:")]
    rows = {name: ADMIN_SITE[name] for name in names if name in ADMIN_SITE}
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        may = _owner_may(model_admin)
        for name in names:
            suffix = name.removeprefix(prefix)
            if name in rows or suffix == name or suffix not in SUFFIXES:
                continue
            kind = {"simple_history": "admin-history", "changelist": None, "add": None}.get(suffix, "admin-object")
            rows[name] = (f"{kind}:{model._meta.label}" if kind else None, _model_row(suffix, may))
    return rows


# --- The world -----------------------------------------------------------------------------


@pytest.fixture
def world(alice, bob, anna, owner, desk) -> dict[str, Any]:
    """Alice's objects in every URL (a plan, a booked and a completed session, a message…), and an
    object of every model the admin shows."""
    anna.user.is_staff = True
    anna.user.save()
    now = timezone.now()
    plan = start_plan(client=alice, concern="deep_acne_scars", area="cheeks", created_by=alice)
    past = now - dt.timedelta(days=10)
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
        start=now + dt.timedelta(weeks=4),
    )
    photo = SessionPhoto.objects.create(session=session, kind="before", image=ContentFile(b"jpeg", name="b.jpg"))
    clearance = DoctorClearance.objects.create(
        client=alice,
        note="GP letter",
        recorded_by=desk,
        letter=ContentFile(b"%PDF", name="letter.pdf"),
        expires_on=dt.date(2099, 1, 1),
    )
    alert = Alert.objects.create(kind=Alert.Kind.CLIENT_REPORT, client=alice, text="Redness spreading")
    notification = Notification.objects.create(
        client=alice,
        kind="reminder",
        due_at=now,
        status=Notification.Status.FAILED,
        dedupe_key="test:1",
        subject="Reminder",
        body_text="See you",
    )
    time_off = TimeOff.objects.create(
        practitioner=anna, start=now + dt.timedelta(days=30), end=now + dt.timedelta(days=31)
    )
    # Another practitioner's appointment (alice's too) and time off: anna's role stops at her own.
    ben = PractitionerFactory(user__email="ben@example.com", user__first_name="Ben", display_name="Ben")
    bens = AppointmentFactory(client=alice, practitioner=ben, service=plan.service, start=now + dt.timedelta(weeks=6))
    bens_time_off = TimeOff.objects.create(
        practitioner=ben, start=now + dt.timedelta(days=30), end=now + dt.timedelta(days=31)
    )
    today = timezone.localdate()
    closure = Closure.objects.create(
        start_date=today + dt.timedelta(days=60), end_date=today + dt.timedelta(days=61), reason="x"
    )
    _admin_only_objects(alice=alice, anna=anna, booked=booked, session=session, now=now)
    personas = {"alice": alice, "bob": bob, "anna": anna.user, "desk": desk, "owner": owner}
    tokens = {name: Token.objects.create(user=user).key for name, user in personas.items()}
    kwargs = {
        "client": alice.pk,
        "plan": plan.pk,
        "appointment": booked.pk,
        "session": session.pk,
        "photo": photo.pk,
        "clearance": clearance.pk,
        "alert": alert.pk,
        "notification": notification.pk,
        "time_off": time_off.pk,
        "closure": closure.pk,
        "bens_appointment": bens.pk,
        "bens_time_off": bens_time_off.pk,
    }
    reverse_kwargs: dict[str, dict | None] = {kind: {"kwargs": {"pk": pk}} for kind, pk in kwargs.items()}
    reverse_kwargs |= {
        "service": {"kwargs": {"slug": plan.service.slug}},
        "feed": {"kwargs": {"token": anna.calendar_token}},
        "reset": {"kwargs": {"uidb64": "MQ", "token": "set-password"}},
        "photo_link": {"kwargs": {"token": photo_export_url(photo).rstrip("/").rsplit("/", 1)[-1]}},
        "admin-app": {"kwargs": {"app_label": "scheduling"}},
        "admin-user": {"kwargs": {"id": alice.pk}},
        "admin-site-link": {"args": [ContentType.objects.get_for_model(Appointment).pk, booked.pk]},
        **_admin_objects(),
    }
    return {
        "personas": personas,
        "tokens": tokens,
        "kwargs": reverse_kwargs,
        "soon": today + dt.timedelta(days=3),
    }


def _admin_only_objects(*, alice: Any, anna: Any, booked: Appointment, session: PlanSession, now: dt.datetime) -> None:
    """Rows no page of the world makes: the admin's change, delete and history URLs need one."""
    DayOfCheck.objects.create(
        appointment=booked,
        source=DayOfCheck.Source.DESK,
        pregnant_or_breastfeeding=False,
        infection_in_area=False,
        new_medicines=False,
        sunburn=False,
        procedures_since_last_visit=False,
    )
    AdverseEvent.objects.create(
        client=alice,
        session=session,
        plan=session.plan,
        kind=AdverseEvent.Kind.values[0],
        onset=now.date(),
        severity=AdverseEvent.Severity.values[0],
        action="Advice",
        recorded_by=anna.user,
    )
    AuditEntry.objects.create(actor=anna.user, client=alice, action=AuditEntry.Action.values[0], what="record")
    access = {
        "user_agent": "test",
        "ip_address": "127.0.0.1",
        "username": "alice@example.com",
        "http_accept": "*/*",
        "path_info": "/",
    }
    AccessAttempt.objects.create(**access, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**access)
    AccessFailureLog.objects.create(**access)
    MessageTemplate.objects.create(kind="reminder", subject="See you", body="Hello {{ first_name }}")
    # The one policy row (an admin without it offers "add"; tests/test_roles.py checks who may).
    BookingPolicy.current()


def _admin_objects() -> dict[str, dict | None]:
    """For each registered model, its first object (``None`` when the world has none)."""
    found: dict[str, dict | None] = {}
    for model in admin.site._registry:
        obj = model._default_manager.order_by("pk").first()
        history = getattr(obj, "history", None)
        last = history.order_by("history_id").last() if history is not None else None
        found[f"admin-object:{model._meta.label}"] = {"args": [obj.pk]} if obj else None
        found[f"admin-history:{model._meta.label}"] = {"args": [obj.pk, last.history_id]} if last else None
    return found


# --- One request ---------------------------------------------------------------------------


@dataclass
class Visitor:
    persona: str
    page: Client
    api: APIClient


def login_as(client: Client, world: dict[str, Any], persona: str) -> Visitor:
    api = APIClient()
    if persona != "anonymous":
        client.force_login(world["personas"][persona])
        api.credentials(HTTP_AUTHORIZATION=f"Token {world['tokens'][persona]}")
    return Visitor(persona=persona, page=client, api=api)


def _body(name: str, method: str) -> dict[str, Any]:
    """A field no form knows (an empty POST leaves ``Form(request.POST or None)`` unbound), and
    for the admin's list and delete the confirmed deletion: a refused persona must be shown the
    door before a real write."""
    probe = {"probe": "1"}
    if method != "POST" or not name.startswith("admin:"):
        return probe
    if name.endswith("_changelist"):  # the bulk delete, confirmed
        model = resolve_model(name)
        first = model._default_manager.order_by("pk").first()
        return {"action": "delete_selected", "_selected_action": [first.pk] if first else [], "post": "yes", "index": 0}
    if name.endswith("_delete"):
        return {"post": "yes"}
    return probe


def resolve_model(name: str) -> Any:
    label = name.removeprefix("admin:").removesuffix("_changelist")
    return next(m for m in admin.site._registry if f"{m._meta.app_label}_{m._meta.model_name}" == label)


@cache
def _count_sql() -> str:
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    quote = connection.ops.quote_name
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)


def _state() -> tuple:
    """Every table's row count, and the fields a write without a new row would change."""
    with connection.cursor() as cursor:
        cursor.execute(_count_sql())
        counts = cursor.fetchone()
    return (
        counts,
        list(Appointment.objects.order_by("pk").values_list("pk", "status", "start", "practitioner_id")),
        list(TreatmentPlan.objects.order_by("pk").values_list("pk", "status", "sessions_planned")),
        list(Notification.objects.order_by("pk").values_list("pk", "status", "due_at")),
        list(Alert.objects.order_by("pk").values_list("pk", "resolved_at")),
        list(get_user_model().objects.order_by("pk").values_list("pk", "is_active", "is_staff", "password", "email")),
    )


def _form_refused(response: Any) -> bool:
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else context.values():
            form = value.form if isinstance(value, AdminForm) else value
            if isinstance(form, (BaseForm, BaseFormSet)) and form.is_bound and form.errors:
                return True
    return False


def classify(response: Any, *, method: str, persona: str, api: bool) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        return "login" if resolve(response["Location"].split("?")[0]).url_name == "login" else "redirect"
    if code in (401, 403) and persona == "anonymous" and api:
        return "login"
    if code == 200 and method != "GET" and not api:
        return "invalid" if _form_refused(response) else "ok"
    if 200 <= code < 300:
        return "ok"
    return {400: "invalid", 403: "forbidden", 404: "missing", 405: "not_allowed", 409: "conflict"}.get(code, str(code))


def send(visitor: Visitor, *, name: str, method: str, url: str) -> tuple[str, str]:
    """One request in a savepoint rolled back after it (the next row sees the same world). The
    savepoint is marked as the test case's own, as Django's TestCase marks its atomics, so that the
    services' ``atomic(durable=True)`` blocks run inside it."""
    api = name.startswith("api-")
    cookies = copy.deepcopy(visitor.page.cookies)  # a logout must not log the next row out
    savepoint = transaction.atomic()
    savepoint._from_testcase = True
    with savepoint:
        before = _state() if method != "GET" else None
        if api:
            response = visitor.api.generic(
                method, url, data="{}" if method != "GET" else "", content_type="application/json"
            )
        elif method == "GET":
            response = visitor.page.get(url)
        else:
            response = visitor.page.generic(
                method,
                url,
                data=urlencode(_body(name, method), doseq=True),
                content_type="application/x-www-form-urlencoded",
            )
        got = classify(response, method=method, persona=visitor.persona, api=api)
        wrote = before is not None and got in REFUSED and _state() != before
        transaction.set_rollback(True)
    visitor.page.cookies = cookies
    detail = f"[{response.status_code}]" + (" and it WROTE" if wrote else "")
    return ("wrote" if wrote else got), detail


def matches(got: str, expected: str) -> bool:
    return got in ALLOWED if expected == ANY_ALLOWED else got == expected


def let_in(outcome: str) -> bool:
    return outcome in ALLOWED or outcome == ANY_ALLOWED
