"""Fixtures of the clients tests: a clean throttle/lockout state, a consent text, staff."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from clients.models import ConsentText
from spa.lib.roles import FRONT_DESK, assign_role
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _clean_throttles():
    # DRF's throttles count in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def consent(db):
    return ConsentText.objects.order_by("-version").first() or ConsentText.objects.create(
        version=1, body="I understand the effects and risks of skin needling."
    )


@pytest.fixture
def staff(rules):
    """A front-desk staff member (no practitioner record needed for the client pages)."""
    user = UserFactory(email="desk@example.com", first_name="Dana", last_name="Desk", is_staff=True)
    assign_role(user, FRONT_DESK)
    return user
