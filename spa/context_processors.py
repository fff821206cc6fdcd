from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def spa(request: HttpRequest) -> dict[str, object]:
    return {"spa_name": settings.SPA_NAME}
