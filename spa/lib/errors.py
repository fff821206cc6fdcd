"""The base of each app's domain error: a code, a readable message, optionally a field.

An error describes itself once: ``field_errors`` for a form (each field's messages) and
``describe()`` for the API (``{detail, code, [problems], [field: [messages]]}``). Each interface
maps it in one place: forms add its field errors, the API's exception handler answers
``describe()`` with ``status`` (400/403/409), the admin uses ``message_user``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar


class DomainError(Exception):
    """A business rule refused an action. Subclassed once per app."""

    #: code → message, declared once per app.
    ERROR_MESSAGES: ClassVar[dict[str, str]] = {}
    #: code → HTTP status for the API (default 400).
    STATUS: ClassVar[dict[str, int]] = {}

    #: Several refusals at once (a session record), each with its code and field; the error's
    #: own code and field are the first one's.
    problems: Sequence[DomainError] = ()

    def __init__(self, code: str, message: str | None = None, *, field: str | None = None, **params: object):
        self.code = code
        template = message if message is not None else str(self.ERROR_MESSAGES.get(code, code))
        self.message = template % params if params else template
        self.field = field
        self.params = params
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return self.STATUS.get(self.code, 400)

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """Each field's messages: its own field's, or every problem's that names one."""
        errors: dict[str, list[str]] = {}
        for problem in self.problems or [self]:
            if problem.field:
                errors.setdefault(problem.field, []).append(problem.message)
        return errors

    def api_field_errors(self) -> dict[str, Any]:
        """The field errors as the API names them (the same as a form's unless a subclass says)."""
        return self.field_errors

    def describe(self) -> dict[str, Any]:
        """The API's body: ``detail`` and ``code``, every problem, and on a 400 the field errors."""
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.problems:
            body["problems"] = [{"code": p.code, "field": p.field, "detail": p.message} for p in self.problems]
        if self.status == 400:
            body.update(self.api_field_errors())
        return body
