from __future__ import annotations

from unittest import mock

from django.test import override_settings


def test_healthz_says_database_and_broker_are_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_healthz_names_a_database_that_is_down(client, db):
    with mock.patch("spa.health.connection.cursor", side_effect=Exception("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_healthz_names_a_broker_that_is_down(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down"}
