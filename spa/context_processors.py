from __future__ import annotations

from django.http import HttpRequest

from spa.lib.contact import spa_contact


def spa(request: HttpRequest) -> dict[str, object]:
    return dict(spa_contact())
