"""Email rendering: every email is a template triplet under ``templates/emails/<kind>/``.

``subject.txt``, ``body.txt`` and ``body.html``; one function renders all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render_email(kind: str, context: dict[str, Any]) -> RenderedEmail:
    context = {"spa_name": settings.SPA_NAME, "site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{kind}/subject.txt", context)
    return RenderedEmail(
        subject=" ".join(subject.split()),
        text=render_to_string(f"emails/{kind}/body.txt", context),
        html=render_to_string(f"emails/{kind}/body.html", context),
    )


def send_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: list[tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to], headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send(using="default")
