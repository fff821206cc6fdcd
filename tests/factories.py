"""Factories for the tests. Default rules come from ``treatments.defaults`` (the ``rules`` fixture)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from clients.models import ClientProfile, ConsentSignature, ConsentText, IntakeAnswer, IntakeSubmission, User
from scheduling.models import Appointment, Practitioner, Room, WorkingHours
from spa.lib.roles import PRACTITIONER, assign_role
from treatments.models import Contraindication, Service

PASSWORD = "a-long-test-password-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class ClientProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientProfile
        django_get_or_create = ["user"]

    user = factory.SubFactory(UserFactory)
    phone = "+447700900123"
    date_of_birth = dt.date(1990, 1, 15)


def sign_consent(user: User) -> ConsentSignature:
    text = ConsentText.objects.order_by("-version").first() or ConsentText.objects.create(
        version=1, body="I consent to skin needling."
    )
    return ConsentSignature.objects.create(client=user, text=text, signed_name=user.get_full_name() or user.email)


def submit_intake(
    user: User, yes: set[str] | frozenset[str] = frozenset(), *, at: dt.datetime | None = None
) -> IntakeSubmission:
    """An intake answering every active question: ``yes`` for the slugs given, no otherwise."""
    submission = IntakeSubmission.objects.create(
        client=user, submitted_at=at or timezone.now(), questionnaire_version="test"
    )
    IntakeAnswer.objects.bulk_create(
        IntakeAnswer(
            submission=submission,
            contraindication=item,
            question=item.question,
            severity=item.severity,
            answer=item.slug in yes,
        )
        for item in Contraindication.objects.filter(active=True)
    )
    return submission


def make_client(email: str | None = None, *, screened: bool = True, **fields: object) -> User:
    """A client with a profile and, if ``screened``, a clear intake and a signed consent."""
    user = UserFactory(**({"email": email} if email else {}), **fields)
    ClientProfileFactory(user=user)
    if screened:
        submit_intake(user)
        sign_consent(user)
    return user


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Room {n + 1}")


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    duration_minutes = 60
    buffer_minutes = 15
    price = Decimal("100.00")


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner
        skip_postgeneration_save = True  # the hooks write related rows, not the practitioner

    user = factory.SubFactory(UserFactory, is_staff=True)
    display_name = factory.LazyAttribute(lambda o: o.user.first_name)
    max_depth_mm = Decimal("2.00")

    @factory.post_generation
    def hours(self, create: bool, extracted: object, **kwargs: object) -> None:
        """Monday–Saturday 09:00–13:00 and 14:00–18:00 unless ``hours=False``."""
        if not create or extracted is False:
            return
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=self, weekday=day, start_time=start, end_time=end)
            for day in range(6)
            for start, end in [(dt.time(9), dt.time(13)), (dt.time(14), dt.time(18))]
        )

    @factory.post_generation
    def services(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.services.set(extracted if extracted is not None else Service.objects.all())

    @factory.post_generation
    def role(self, create: bool, extracted: object, **kwargs: object) -> None:
        """The practitioner's staff role (spa.lib.roles): Practitioner unless ``role=...``."""
        if create:
            assign_role(self.user, str(extracted or PRACTITIONER))


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    client = factory.LazyFunction(lambda: make_client())
    practitioner = factory.SubFactory(PractitionerFactory)
    room = factory.SubFactory(RoomFactory)
    service = factory.LazyFunction(lambda: Service.objects.get(slug="microneedling-face"))
    start = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=o.service.duration_minutes))
    blocked_until = factory.LazyAttribute(lambda o: o.end + dt.timedelta(minutes=o.service.buffer_minutes))
