"""The ``next`` address carried through log in, sign up, intake and consent."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest) -> str:
    """``next`` from the query or the form, only if it is a local path on this site ("" otherwise).

    No scheme, no host, no ``//`` or backslash tricks: an address elsewhere would turn our login
    page into an open redirect.
    """
    value = (request.POST.get("next") or request.GET.get("next") or "").strip()
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set(), require_https=False):
        return ""
    return value


def with_next(url: str, next_url: str) -> str:
    """``url`` carrying ``next`` along (unchanged when there is none)."""
    if not next_url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': next_url})}"
