"""The client's address, as far as the deployment's own proxies vouch for it.

``NUM_PROXIES`` (setting, default 0) says how many proxies of ours stand in front of the app.
With 0, ``X-Forwarded-For`` is ignored: anyone can write it. With N, each of our proxies appends
the address it saw, so the N-th entry from the right is the one our outermost proxy saw: the
client's. Entries further left came from the client and are never trusted. DRF's throttles
(``REST_FRAMEWORK["NUM_PROXIES"]``) count the same way, and django-axes calls this function
(``AXES_CLIENT_IP_CALLABLE``), so neither rate limits nor lockouts can be steered by a header.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    # As DRF's SimpleRateThrottle.get_ident: the entry our outermost proxy appended.
    return addresses[-min(proxies, len(addresses))]
