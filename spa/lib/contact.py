"""How clients reach the spa: name, phone, email, address and a map link (settings SPA_*).

Pages get these through the context processor; emails and calendar files call ``spa_contact``.
"""

from __future__ import annotations

from urllib.parse import quote_plus

from django.conf import settings


def spa_contact() -> dict[str, str]:
    return {
        "spa_name": settings.SPA_NAME,
        "spa_phone": settings.SPA_PHONE,
        "spa_phone_href": "tel:" + "".join(c for c in settings.SPA_PHONE if c.isdigit() or c == "+"),
        "spa_email": settings.SPA_EMAIL,
        "spa_address": settings.SPA_ADDRESS,
        "spa_map_url": "https://www.openstreetmap.org/search?query=" + quote_plus(settings.SPA_ADDRESS),
    }
