"""``GET /api/v1/me/notifications``: her own messages only, public statuses, constant queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from scheduling.models import Notification
from tests.scheduling.plans_support import local
from tests.scheduling.test_dispatch import make_row

URL = "/api/v1/me/notifications"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_the_path_is_the_contract():
    assert reverse("api-me-notifications") == URL


def test_she_sees_her_messages_newest_first_with_public_statuses(api, alice, bob):
    make_row(alice, due_at=local(2026, 12, 1, 9), key="a:1", status="sent", sent_at=local(2026, 12, 1, 9, 1))
    make_row(alice, due_at=local(2026, 12, 3, 9), key="a:2", status="sending")
    make_row(alice, due_at=local(2026, 12, 2, 9), key="a:3", status="cancelled")
    make_row(alice, due_at=local(2026, 12, 4, 9), key="a:4", status="failed")
    make_row(bob, due_at=local(2026, 12, 5, 9), key="b:1")
    api.force_authenticate(alice)
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert [row["status"] for row in body] == ["failed", "pending", "cancelled", "sent"]
    assert set(body[0]) == {"id", "kind", "channel", "due_at", "sent_at", "status", "subject"}
    assert body[3]["sent_at"].startswith("2026-12-01T09:01:00")
    assert body[3]["kind"] == "tip" and body[3]["channel"] == "email"
    bobs = Notification.objects.get(dedupe_key="b:1").pk
    assert bobs not in {row["id"] for row in body}


def test_bob_sees_only_his_own(api, alice, bob):
    make_row(alice, due_at=local(2026, 12, 1, 9), key="a:1")
    api.force_authenticate(bob)
    assert api.get(URL).json() == []


def test_anonymous_is_refused(api):
    assert api.get(URL).status_code in (401, 403)


@pytest.mark.parametrize("count", [1, 50])
def test_queries_stay_constant(api, alice, count, django_assert_max_num_queries):
    for i in range(count):
        make_row(alice, due_at=local(2026, 12, 1, 9), key=f"a:{i}")
    api.force_authenticate(alice)
    with django_assert_max_num_queries(2):
        assert len(api.get(URL).json()) == count
