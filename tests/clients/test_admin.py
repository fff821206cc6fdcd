"""The admin of the clients' rows: only admins edit consent texts; a signed version stays as signed."""

from __future__ import annotations

from django.urls import reverse

from clients.models import ConsentText, DoctorClearance
from tests.factories import submit_intake
from treatments.models import Contraindication


def test_a_signed_consent_version_is_read_only_and_a_new_one_starts_from_it(client, owner, alice):
    text = ConsentText.objects.get()
    client.force_login(owner)
    page = client.get(reverse("admin:clients_consenttext_change", args=[text.pk]))
    assert page.status_code == 200
    assert 'name="body"' not in page.content.decode()
    add = client.get(reverse("admin:clients_consenttext_add"))
    assert add.context["adminform"].form.initial["version"] == text.version + 1


def test_an_unsigned_consent_version_can_be_edited(client, owner, consent):
    client.force_login(owner)
    page = client.get(reverse("admin:clients_consenttext_change", args=[consent.pk]))
    assert 'name="body"' in page.content.decode()


def test_staff_and_clients_cannot_edit_consent_texts_in_the_admin(client, staff, alice, consent):
    for user in (staff, alice):
        client.force_login(user)
        response = client.get(reverse("admin:clients_consenttext_change", args=[consent.pk]))
        assert response.status_code in (302, 403)


def test_a_clearance_added_in_the_admin_records_who(client, owner, alice):
    submit_intake(alice, {"pregnancy"})
    client.force_login(owner)
    pregnancy = Contraindication.objects.get(slug="pregnancy")
    response = client.post(
        reverse("admin:clients_doctorclearance_add"),
        {
            "client": alice.pk,
            "contraindications": [pregnancy.pk],
            "note": "GP",
            "cleared_on": "2026-11-20",
            "expires_on": "2027-06-01",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert DoctorClearance.objects.get(client=alice).recorded_by == owner
