"""The choice survives the detour: a plan she wanted to start, or a time she chose, is where she
lands after log in → sign up → questionnaire and consent. Only local addresses are followed."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from clients.models import ConsentText
from clients.selectors import active_questions

SIGNUP = {
    "email": "nora@example.com",
    "password": "a-long-new-password-9",
    "first_name": "Zoë",
    "last_name": "Ng",
    "phone": "07700 900456",
    "date_of_birth": "1991-04-02",
}


@pytest.fixture
def consent(rules):
    return ConsentText.objects.create(version=1, body="I consent to skin needling.")


def _intake(client, next_url: str, **extra: str):
    answers = {item.slug: "no" for item in active_questions()}
    url = f"{reverse('clients:intake')}?{urlencode({'next': next_url})}"
    return client.post(url, {**answers, "signed_name": "zoe  NG", "accepted": "on", **extra})


def test_start_this_plan_survives_sign_up_and_the_questionnaire(client, consent):
    chosen = f"{reverse('scheduling:plan_start')}?concern=wrinkles&area=cheeks"
    login = client.get(chosen)
    assert login.status_code == 302 and reverse("login") in login["Location"]
    signed_up = client.post(f"{reverse('clients:signup')}?{urlencode({'next': chosen})}", SIGNUP)
    assert signed_up["Location"] == f"{reverse('clients:intake')}?{urlencode({'next': chosen})}"
    done = _intake(client, chosen)
    assert done.status_code == 302 and done["Location"] == chosen
    page = client.get(done["Location"]).content.decode()
    assert "Start this plan" in page and "Wrinkles on the cheeks" in page


@pytest.mark.parametrize("evil", ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_only_local_next_addresses_are_followed(client, consent, evil):
    client.post(reverse("clients:signup"), SIGNUP)
    response = _intake(client, evil)
    assert response.status_code == 302 and response["Location"] == reverse("clients:intake")
