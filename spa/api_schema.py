"""The OpenAPI schema's errors and links, declared per operation in one table.

Each operation declares only the error statuses it can give, with the body it gives them in
(``spa.api.exception_handler`` writes them): ``Error`` is ``{detail, code}`` and nothing else;
``ValidationError`` adds a field's messages (``{field: [messages]}``, with or without ``detail``
and ``code``); ``NestedValidationError`` lets them nest as a nested input does (intake answers, a
course's sessions); ``RecordError`` lists every problem of a session record. Authentication is
by session then token, so a request without valid credentials is a 403 (DRF answers 401 only
when the first authenticator names a ``WWW-Authenticate`` scheme, and the session's names none).

The links say where a created appointment or plan goes next (its id), as a client follows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Err:
    schema: str
    description: str


_STRINGS = {"type": "array", "items": {"type": "string"}}
_DETAIL = {"detail": {"type": "string"}, "code": {"type": "string"}}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "description": "A refusal: a readable `detail` and a machine-readable `code`.",
        "properties": _DETAIL,
        "required": ["detail", "code"],
        "additionalProperties": False,
    },
    "ValidationError": {
        "type": "object",
        "description": "Invalid input: each field's messages, `{field: [messages]}`; a business rule's refusal "
        "also has `detail` and `code`.",
        "properties": _DETAIL,
        "additionalProperties": _STRINGS,
    },
    "FieldErrors": {
        "description": "A field's messages; a nested field's by key (a question's slug, a list item's index).",
        "anyOf": [
            _STRINGS,
            {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/FieldErrors"}},
            {
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/FieldErrors"}},
            },
        ],
    },
    "NestedValidationError": {
        "type": "object",
        "description": 'Invalid input whose fields nest (`{"answers": {slug: [messages]}}`); a business rule\'s '
        "refusal also has `detail` and `code`.",
        "properties": _DETAIL,
        "additionalProperties": {"$ref": "#/components/schemas/FieldErrors"},
    },
    "Problem": {
        "type": "object",
        "properties": {
            "code": {"type": "string"},
            "field": {"type": "string", "nullable": True},
            "detail": {"type": "string"},
        },
        "required": ["code", "field", "detail"],
        "additionalProperties": False,
    },
    "RecordError": {
        "type": "object",
        "description": "Every problem at once in `problems` (`detail` joins them, `code` is the first one's), and "
        "each field's messages (`needle_depth_mm`, `areas`, ...).",
        "properties": {**_DETAIL, "problems": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}}},
        "additionalProperties": {"$ref": "#/components/schemas/FieldErrors"},
    },
}

INVALID = Err("ValidationError", "Invalid input.")
PAGE = Err("ValidationError", "`page` or `page_size` is not a positive number.")
INVALID_NESTED = Err("NestedValidationError", "Invalid input.")
REFUSED = Err("Error", "Refused by a rule (`code` says which).")
FORBIDDEN = Err("Error", "Not signed in, bad credentials, or not allowed.")
NO_CREDENTIALS = Err("Error", "Bad credentials (the operation is public).")
NOT_FOUND = Err("Error", "No such object, or not yours.")
CONFLICT = Err("Error", "Taken meanwhile, or the same request is still being processed.")
KEY_REUSED = Err("Error", "This Idempotency-Key was used for a different request.")
TOO_LARGE = Err("Error", "The request body is too large.")
THROTTLED = Err("Error", "Too many requests; try again later.")

_PUBLIC = {403: NO_CREDENTIALS}
_SIGNED_IN = {403: FORBIDDEN}

#: operationId → the error statuses it can give. Every operation is listed (the hook checks).
ERRORS: dict[str, dict[int, Err]] = {
    # treatments
    "v1_concerns_list": {400: PAGE, **_PUBLIC},
    "v1_areas_list": {400: PAGE, **_PUBLIC},
    "v1_services_list": {400: PAGE, **_PUBLIC},
    "v1_recommendation_retrieve": {400: INVALID, **_PUBLIC},
    # clients
    "v1_auth_register_create": {
        400: Err("ValidationError", "Field errors, e.g. the email is taken."),
        413: TOO_LARGE,
        429: Err("Error", "Too many sign-ups from this address."),
    },
    "v1_auth_token_create": {
        400: Err("ValidationError", "Wrong email or password, or invalid input."),
        403: Err("Error", "Locked out after repeated failures."),
        413: TOO_LARGE,
        429: Err("Error", "Too many attempts from this address."),
    },
    "v1_me_retrieve": _SIGNED_IN,
    "v1_me_intake_retrieve": _SIGNED_IN,
    "v1_me_intake_update": {
        400: Err("NestedValidationError", "Unanswered questions (under `answers`), bad dates or a consent error."),
        403: FORBIDDEN,
        413: TOO_LARGE,
    },
    "v1_me_export_retrieve": _SIGNED_IN,
    "v1_me_delete_create": {
        400: Err("ValidationError", "`confirm` false, or a wrong password."),
        403: Err("Error", "Not signed in, or a staff account (closed by the admin)."),
        413: TOO_LARGE,
    },
    "v1_clients_clearance_create": {
        400: INVALID,
        403: Err("Error", "Not staff allowed to grant a clearance."),
        404: Err("Error", "No such client."),
        413: TOO_LARGE,
    },
    # scheduling: availability and booking
    "v1_availability_retrieve": {400: INVALID, **_PUBLIC, 404: Err("Error", "Not your plan.")},
    "v1_availability_days_retrieve": {400: INVALID, **_PUBLIC, 404: Err("Error", "Not your plan.")},
    "v1_appointments_list": {400: INVALID, **_SIGNED_IN},
    "v1_appointments_create": {
        400: INVALID,
        403: Err("Error", "Not signed in, screening, age, or not allowed to book for another client."),
        404: Err("Error", "Not your plan."),
        409: Err("Error", "The slot (or the session) was taken meanwhile, or you are busy then."),
        413: TOO_LARGE,
        422: KEY_REUSED,
        429: THROTTLED,
    },
    "v1_appointments_retrieve": {**_SIGNED_IN, 404: NOT_FOUND},
    "v1_appointments_.ics_retrieve": {**_SIGNED_IN, 404: NOT_FOUND},
    "v1_appointments_cancel_create": {
        400: Err("ValidationError", "Not active (`code` says why), or a bad Idempotency-Key."),
        403: Err("Error", "Not signed in, past the cut-off (call the spa), or staff who do not book for clients."),
        404: NOT_FOUND,
        409: CONFLICT,
        422: KEY_REUSED,
    },
    "v1_appointments_reschedule_create": {
        400: INVALID,
        403: Err("Error", "Not signed in, past the cut-off (call the spa), or staff who do not book for clients."),
        404: NOT_FOUND,
        409: Err("Error", "The slot was taken meanwhile, or you are busy then."),
        413: TOO_LARGE,
        422: KEY_REUSED,
        429: THROTTLED,
    },
    # scheduling: staff
    "v1_schedule_retrieve": {400: INVALID, **_SIGNED_IN},
    "v1_appointments_check_in_create": {
        400: INVALID_NESTED,
        403: Err("Error", "Not staff, or screening refused (`code` `screening`)."),
        404: NOT_FOUND,
        413: TOO_LARGE,
    },
    "v1_appointments_no_show_create": {400: REFUSED, **_SIGNED_IN, 404: NOT_FOUND},
    "v1_appointments_complete_create": {
        400: Err("RecordError", "Every problem of the record at once."),
        403: Err("Error", "Not a practitioner, or not her own appointment."),
        404: NOT_FOUND,
        413: TOO_LARGE,
    },
    # scheduling: plans
    "v1_plans_list": {400: INVALID, **_SIGNED_IN},
    "v1_plans_create": {400: INVALID, 403: FORBIDDEN, 404: Err("Error", "No such client."), 413: TOO_LARGE},
    "v1_plans_retrieve": {**_SIGNED_IN, 404: NOT_FOUND},
    "v1_plans_course_retrieve": {
        400: Err("ValidationError", "No course to propose (`code` says why, e.g. `plan_complete` on `plan`)."),
        403: FORBIDDEN,
        404: NOT_FOUND,
    },
    "v1_plans_course_create": {
        400: INVALID_NESTED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: Err("Error", "A time was taken meanwhile, or the plan changed: nothing was booked."),
        413: TOO_LARGE,
        422: KEY_REUSED,
    },
    # scheduling: notifications
    "v1_me_notifications_list": {400: PAGE, **_SIGNED_IN},
}


#: (operationId, status) → its OpenAPI links: what a client does next with what it got.
LINKS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("v1_appointments_create", "201"): {
        name: {"operationId": target, "parameters": {"id": "$response.body#/id"}}
        for name, target in [
            ("GetAppointment", "v1_appointments_retrieve"),
            ("GetCalendarFile", "v1_appointments_.ics_retrieve"),
            ("CancelAppointment", "v1_appointments_cancel_create"),
            ("RescheduleAppointment", "v1_appointments_reschedule_create"),
            ("CheckIn", "v1_appointments_check_in_create"),
            ("RecordSession", "v1_appointments_complete_create"),
            ("RecordNoShow", "v1_appointments_no_show_create"),
        ]
    },
    ("v1_plans_create", "201"): {
        name: {"operationId": target, "parameters": {"id": "$response.body#/id"}}
        for name, target in [
            ("GetPlan", "v1_plans_retrieve"),
            ("ProposeCourse", "v1_plans_course_retrieve"),
        ]
    },
    ("v1_plans_course_retrieve", "200"): {
        # The proposals are the course's body as they are: book them together.
        "BookCourse": {
            "operationId": "v1_plans_course_create",
            "parameters": {"id": "$request.path.id"},
            "requestBody": "$response.body",
        }
    },
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: each operation's errors (``ERRORS``) and links (``LINKS``)."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    seen = set()
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            name = operation["operationId"]
            if name not in ERRORS:
                raise ImproperlyConfigured(f"spa.api_schema.ERRORS: declare the errors of {name}.")
            seen.add(name)
            responses = operation.setdefault("responses", {})
            for code in [code for code in responses if code.startswith("4")]:
                del responses[code]  # one source: the table
            for status, error in ERRORS[name].items():
                reference = {"$ref": f"#/components/schemas/{error.schema}"}
                responses[str(status)] = {
                    "description": error.description,
                    "content": {"application/json": {"schema": reference}},
                }
            for (source, status), links in LINKS.items():
                if source == name:
                    responses[status]["links"] = links
    if not public:
        return result
    stale = set(ERRORS) - seen
    if stale:
        raise ImproperlyConfigured(f"spa.api_schema.ERRORS names operations that do not exist: {sorted(stale)}.")
    return result
