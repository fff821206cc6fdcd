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
