"""Pluggable SMS backends. ``settings.SMS_BACKEND`` names the class to use.

A provider backend implements ``send(*, to: str, body: str) -> None`` and raises on failure.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string


class SMSBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class FileSMSBackend:
    """Writes each message to a file under ``SMS_FILE_PATH`` (the embedded default)."""

    def send(self, *, to: str, body: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        (folder / f"{stamp}-{uuid.uuid4().hex[:8]}.txt").write_text(f"To: {to}\n\n{body}\n", encoding="utf-8")


class ConsoleSMSBackend:
    def send(self, *, to: str, body: str) -> None:
        print(f"SMS to {to}: {body}")


class LocmemSMSBackend:
    """Keeps messages in memory, for tests (like Django's locmem email backend)."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, body: str) -> None:
        self.outbox.append({"to": to, "body": body})


def get_sms_backend() -> SMSBackend:
    return import_string(settings.SMS_BACKEND)()


def render_sms(kind: str, context: dict[str, object]) -> str:
    """The short text of a message: ``templates/emails/<kind>/sms.txt``, whitespace collapsed."""
    context = {"spa_name": settings.SPA_NAME, "site_url": settings.SITE_URL, **context}
    return " ".join(render_to_string(f"emails/{kind}/sms.txt", context).split())
