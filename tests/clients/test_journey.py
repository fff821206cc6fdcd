"""The issue's walk-through, as a new user would try it: sign up → intake (pregnant: yes) →
told a doctor's clearance is needed → staff record it → clear."""

from __future__ import annotations

from django.urls import reverse

from clients.models import User
from clients.selectors import active_questions


def test_sign_up_pregnant_clearance_then_clear(client, rules, consent, staff):
    response = client.post(
        reverse("clients:signup"),
        {
            "email": "maya@example.com",
            "password": "a-long-new-password-9",
            "first_name": "Maya",
            "last_name": "Moss",
            "phone": "+447700900777",
            "date_of_birth": "1992-03-04",
        },
        follow=True,
    )
    assert response.request["PATH_INFO"] == reverse("clients:intake")
    answers = {item.slug: "yes" if item.slug == "pregnancy" else "no" for item in active_questions()}
    response = client.post(
        reverse("clients:intake"), {**answers, "signed_name": "Maya Moss", "accepted": "on"}, follow=True
    )
    screening = response.context["screening"]
    assert screening.status == "doctor_clearance"
    assert "doctor's clearance" in screening.explanation()
    assert "doctor&#x27;s clearance" in response.content.decode()

    maya = User.objects.get(email="maya@example.com")
    client.force_login(staff)
    response = client.get(reverse("clients:staff_client", args=[maya.pk]))
    assert "Pregnancy</strong> (Doctor&#x27;s clearance)" in response.content.decode()  # words, not codes
    missing = client.post(reverse("clients:staff_client", args=[maya.pk]), {"note": "GP letter of 3 May"})
    assert missing.status_code == 400 and "expected end" in missing.text
    response = client.post(
        reverse("clients:staff_client", args=[maya.pk]), {"note": "GP letter of 3 May", "expires_on": "2099-01-01"}
    )
    assert response.status_code == 302

    client.force_login(maya)
    response = client.get(reverse("clients:intake"))
    assert response.context["screening"].status == "clear"
    assert response.context["screening"].can_book
    assert "You&#x27;re all set" in response.content.decode()
