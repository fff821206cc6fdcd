"""Rate limits and lockouts cannot be steered by X-Forwarded-For (issue 12, defect 4).

DRF keyed anonymous throttles on the raw header (``NUM_PROXIES`` unset), so a new random value
per request walked past the register and login limits; behind the recommended proxy, django-axes
saw the proxy's address for everyone, so a few wrong passwords from anyone locked everyone out.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from clients.models import User
from tests.factories import PASSWORD

PROXY = "10.0.0.2"


@pytest.fixture
def tight_limits(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "3/hour", "login": "3/min"})


def _register(api: APIClient, n: int, forwarded: str, remote: str = "203.0.113.9") -> int:
    body = {
        "email": f"spoof{n}@example.com",
        "password": "a-long-pass-phrase-2026",
        "first_name": "Spoof",
        "last_name": f"Number{n}",
        "phone": "+447700900123",
        "date_of_birth": "1990-01-01",
    }
    response = api.post(
        "/api/v1/auth/register", body, format="json", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote
    )
    return response.status_code


def test_a_fresh_forwarded_for_per_request_does_not_escape_the_register_limit(rules, tight_limits):
    api = APIClient()
    codes = [_register(api, n, forwarded=f"198.51.100.{n}") for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert User.objects.filter(email__startswith="spoof").count() == 3


def test_a_fresh_forwarded_for_per_request_does_not_escape_the_token_limit(alice, tight_limits):
    api = APIClient()
    codes = [
        api.post(
            "/api/v1/auth/token",
            {"email": f"nobody{n}@example.com", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]


def test_behind_one_proxy_the_client_part_of_the_header_is_ignored(rules, tight_limits, settings):
    """With NUM_PROXIES=1 only the address our proxy appended counts; what the client wrote
    in front of it does not."""
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    api = APIClient()
    codes = [_register(api, n, forwarded=f"198.51.100.{n}, 192.0.2.50", remote=PROXY) for n in range(4)]
    assert codes == [201, 201, 201, 429]
    # Another real client behind the same proxy has its own budget.
    assert _register(api, 9, forwarded="192.0.2.77", remote=PROXY) == 201


def _login(client, password: str, forwarded: str, remote: str = "203.0.113.9") -> int:
    response = client.post(
        reverse("login"),
        {"username": "alice@example.com", "password": password},
        HTTP_X_FORWARDED_FOR=forwarded,
        REMOTE_ADDR=remote,
    )
    return response.status_code


def test_a_fresh_forwarded_for_per_attempt_does_not_escape_the_lockout(client, alice):
    codes = [_login(client, "wrong", forwarded=f"198.51.100.{n}") for n in range(6)]
    assert codes[-1] == 429
    assert _login(client, PASSWORD, forwarded="198.51.100.200") == 429


def test_behind_the_proxy_one_clients_wrong_passwords_do_not_lock_out_another(client, alice, settings):
    settings.NUM_PROXIES = 1
    for n in range(6):
        _login(client, "wrong", forwarded=f"198.51.100.{n}, 192.0.2.50", remote=PROXY)
    assert _login(client, PASSWORD, forwarded="192.0.2.50", remote=PROXY) == 429
    # Alice herself, from her own address behind the same proxy, still logs in.
    assert _login(client, PASSWORD, forwarded="192.0.2.77", remote=PROXY) == 302
