"""API wiring: the one exception handler that maps domain errors to HTTP."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from spa.lib.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors → 400/403/409 as they describe themselves (``DomainError.describe``);
    Django ValidationErrors → 400 with field errors; the rest as DRF does it."""
    if isinstance(exc, DomainError):
        return Response(exc.describe(), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # Django would answer with its HTML 400 page; an API client gets JSON.
        body = {"detail": "The request body is too large.", "code": "too_large"}
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        # Every refusal carries a machine-readable code, DRF's own ones included.
        codes = exc.get_codes() if isinstance(exc, APIException) else None
        response.data.setdefault("code", codes if isinstance(codes, str) else "error")
    return response


# Every operation may answer with these; the schema says so once, for all of them.
ERROR_RESPONSES = {
    "400": "Invalid input: `{field: [messages]}` or `{detail, code}`.",
    "401": "Not authenticated.",
    "403": "Not allowed (permission or screening): `{detail, code}`.",
    "404": "Not found (or not yours).",
    "405": "Method not allowed.",
    "409": "Conflict: the slot was taken meanwhile.",
    "429": "Too many requests; try again later.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: document the error shape on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": "`detail` and `code` for a refusal; one key per field for invalid input.",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "additionalProperties": True,
    }
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result
