"""The demo spa (SPEC.md "Defaults the demo spa ships with"), loaded idempotently.

Accounts all use the password ``spa-demo-2026``. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from clients.models import ClientProfile, ConsentText, User
from scheduling.models import Practitioner, Room, WorkingHours
from treatments.models import Service

DEMO_PASSWORD = "spa-demo-2026"  # noqa: S105 (published demo accounts)

DEMO_ACCOUNTS = [
    # email, first, last, role
    ("owner@demo.spa", "Olivia", "Owner", "admin"),
    ("anna@demo.spa", "Anna", "Lindqvist", "practitioner"),
    ("ben@demo.spa", "Ben", "Okafor", "practitioner"),
    ("client@demo.spa", "Chloe", "Client", "client"),
]
PRACTITIONERS = {"anna@demo.spa": Decimal("2.00"), "ben@demo.spa": Decimal("1.00")}
ROOMS = ["Treatment room 1", "Treatment room 2"]
# Monday to Saturday, 09:00–18:00 with a lunch break.
DAY = [(dt.time(9, 0), dt.time(13, 0)), (dt.time(14, 0), dt.time(18, 0))]

CONSENT_TEXT = """\
I understand that skin needling (collagen induction therapy) uses fine needles to make \
controlled micro-injuries in the skin so that it produces new collagen.

I understand the usual effects: redness like a mild sunburn for one to three days, slight \
swelling, pinpoint bleeding during treatment, flaking after a few days. Rare risks include \
infection, pigment changes, and a flare of cold sores.

I have answered the medical questionnaire truthfully and will tell the spa before each session \
of any change (new medication, pregnancy, sunburn, skin infection).

I will follow the aftercare instructions: hydration with colostrum gel and hyaluronic acid, no \
make-up for 24 hours, daily sun protection.

I understand that results vary, usually show within a week and build with each session, and \
that I can stop the course at any time."""

STAFF_PERMISSIONS = [
    # What front desk and practitioners may do in the admin (the staff pages need no perms).
    ("scheduling", "view_appointment"),
    ("scheduling", "change_appointment"),
    ("scheduling", "view_treatmentplan"),
    ("clients", "view_clientprofile"),
    ("clients", "view_intakesubmission"),
    ("clients", "add_doctorclearance"),
    ("clients", "view_doctorclearance"),
]


def staff_group() -> Group:
    group, _ = Group.objects.get_or_create(name="Staff")
    perms = [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in STAFF_PERMISSIONS]
    group.permissions.add(*perms)
    return group


@transaction.atomic
def load_demo() -> list[tuple[str, str]]:
    """Create the demo accounts, practitioners, rooms, hours and consent; return (email, role)."""
    group = staff_group()
    if not ConsentText.objects.exists():
        ConsentText.objects.create(version=1, body=CONSENT_TEXT)
    for position, name in enumerate(ROOMS):
        Room.objects.get_or_create(name=name, defaults={"position": position})
    accounts = []
    for email, first, last, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=role != "client",
                is_superuser=role == "admin",
            )
        if role == "practitioner":
            user.groups.add(group)
            practitioner, created = Practitioner.objects.get_or_create(
                user=user,
                defaults={"display_name": first, "max_depth_mm": PRACTITIONERS[email], "position": len(accounts)},
            )
            if created:
                practitioner.services.set(Service.objects.filter(active=True))
                WorkingHours.objects.bulk_create(
                    WorkingHours(practitioner=practitioner, weekday=day, start_time=start, end_time=end)
                    for day in range(6)
                    for start, end in DAY
                )
        if role == "client":
            ClientProfile.objects.get_or_create(
                user=user,
                defaults={"phone": "+447700900123", "date_of_birth": dt.date(1990, 5, 17)},
            )
        accounts.append((email, role))
    return accounts
