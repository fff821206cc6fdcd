"""The base of each app's domain error: a code, a readable message, optionally a field.

Each interface maps these in one place: forms add them as errors, the API's exception handler
turns them into 400/403/409 with ``detail`` and ``code``, the admin uses ``message_user``.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A business rule refused an action. Subclassed once per app."""

    #: code → message, declared once per app.
    ERROR_MESSAGES: ClassVar[dict[str, str]] = {}
    #: code → HTTP status for the API (default 400).
    STATUS: ClassVar[dict[str, int]] = {}

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
