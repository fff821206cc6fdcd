"""Fixtures: the default rules, and the personas of every access test.

``alice`` and ``bob`` are clients (screened clear, consent signed), ``anna`` a practitioner
(2.0 mm), ``owner`` the admin. Log in with ``client.force_login(user)`` (django-axes wants a
request for password logins).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from scheduling.answer_cache import forget_cached_answers
from tests.factories import PractitionerFactory, RoomFactory, make_client
from treatments.defaults import load_default_rules


@pytest.fixture(autouse=True)
def empty_cache():  # noqa: ANN201
    """The cache (throttles, availability answers, in the process too) starts empty in every test."""
    cache.clear()
    forget_cached_answers()


@pytest.fixture
def rules(db):  # noqa: ANN001, ANN201
    load_default_rules()


@pytest.fixture
def alice(rules):  # noqa: ANN001, ANN201
    return make_client("alice@example.com", first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(rules):  # noqa: ANN001, ANN201
    return make_client("bob@example.com", first_name="Bob", last_name="Baker")


@pytest.fixture
def anna(rules):  # noqa: ANN001, ANN201
    """Anna, practitioner up to 2.0 mm, Monday–Saturday with a lunch break, with two rooms."""
    RoomFactory(name="Room 1")
    RoomFactory(name="Room 2")
    return PractitionerFactory(user__email="anna@example.com", user__first_name="Anna", display_name="Anna")


@pytest.fixture
def owner(db):  # noqa: ANN001, ANN201
    return get_user_model().objects.create_superuser(email="owner@example.com", password="x-owner-password-1")
