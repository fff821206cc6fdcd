"""The demo spa (SPEC.md "Defaults the demo spa ships with"), loaded idempotently.

Accounts all use the password ``spa-demo-2026``. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clients.models import ClientProfile, ConsentSignature, ConsentText, IntakeSubmission, User
from clients.screening import current_consent_text
from clients.services import sign_consent, submit_intake
from scheduling.booking.services import book_appointment
from scheduling.care.attendance import check_in_appointment
from scheduling.care.checkin import DayOfAnswers
from scheduling.care.recording import record_session
from scheduling.errors import SchedulingError
from scheduling.models import Appointment, Practitioner, Room, TreatmentPlan, WorkingHours
from scheduling.plans.course import propose_course
from scheduling.plans.services import rate_session, start_plan
from scheduling.resources.availability import available_slots
from scheduling.resources.signals import schedule_written_in_bulk
from spa.lib import roles
from spa.lib.time import local_date, local_datetime
from treatments.models import Contraindication, Product, Service, TreatmentArea

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "spa-demo-2026"

DEMO_ACCOUNTS = [
    # email, first, last, role
    ("owner@demo.spa", "Olivia", "Owner", "admin"),
    ("anna@demo.spa", "Anna", "Lindqvist", "practitioner"),
    ("ben@demo.spa", "Ben", "Okafor", "practitioner"),
    ("desk@demo.spa", "Dana", "Desk", "front desk"),
    ("client@demo.spa", "Chloe", "Client", "client"),
]
PRACTITIONERS = {"anna@demo.spa": Decimal("2.00"), "ben@demo.spa": Decimal("1.00")}
ROOMS = ["Treatment room 1", "Treatment room 2"]
# Monday to Saturday, 09:00–18:00 with a lunch break.
DAY = [(dt.time(9, 0), dt.time(13, 0)), (dt.time(14, 0), dt.time(18, 0))]

CONSENT_TEXT = """\
I understand that skin needling (collagen induction therapy) uses fine needles to make \
controlled micro-injuries in the skin so that it produces new collagen.

I understand the usual effects: redness like a mild sunburn for one to three days, swelling, \
pinpoint bleeding during treatment, flaking after a few days. The risks include bruising, \
infection, a flare of cold sores, allergic reactions to the products used, lasting changes of \
skin colour (lighter or darker patches, more likely on darker skin) and, rarely, scarring.

I have answered the medical questionnaire truthfully and will tell the spa before each session \
of any change (new medication, pregnancy, sunburn, skin infection).

I will follow the aftercare instructions: hydration with colostrum gel and hyaluronic acid, no \
make-up for 24 hours, no sweating, sauna or swimming for 48–72 hours, sunscreen SPF 30+ every \
day. I will call the spa, or a doctor, for spreading redness, pus, fever, a cold-sore outbreak \
or pain after 72 hours.

I understand that results vary: the skin may look fresher within a week, and collagen keeps \
building for months, with each session adding to it. I can stop the course at any time."""

# Each demo role's group (spa.lib.roles); the owner is also a superuser.
DEMO_ROLES = {"admin": roles.OWNER, "practitioner": roles.PRACTITIONER, "front desk": roles.FRONT_DESK}


def load_demo(*, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Create the demo accounts, practitioners, rooms, hours and consent, and the demo client's
    plan in progress; return (email, role). Running it twice changes nothing."""
    accounts = _load_accounts()
    # Outside the block above: the plan goes through the services, each its own transaction.
    load_demo_client(now=now)
    load_demo_regulars(now=now)
    return accounts


@transaction.atomic
def _load_accounts() -> list[tuple[str, str]]:
    roles.ensure_role_groups()
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
        if role in DEMO_ROLES:
            roles.assign_role(user, DEMO_ROLES[role])
        if role == "practitioner":
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
                schedule_written_in_bulk(WorkingHours)
        if role == "client":
            ClientProfile.objects.get_or_create(
                user=user,
                defaults={"phone": "+447700900123", "date_of_birth": dt.date(1990, 5, 17)},
            )
        accounts.append((email, role))
    return accounts


# --- The demo client: screened, consent signed, a plan in progress --------------------------

DEMO_CLIENT = "client@demo.spa"
DEMO_PLAN = ("deep_acne_scars", "cheeks")
DEMO_SESSION_ONE_WEEKS_AGO = 5


def _first_session_start(*, client: User, practitioner: Practitioner, now: dt.datetime) -> dt.datetime:
    """About five weeks ago at 10:00 local on a working day (not Sunday), at a free time."""
    day = local_date(now) - dt.timedelta(weeks=DEMO_SESSION_ONE_WEEKS_AGO)
    if day.weekday() == WorkingHours.Weekday.SUNDAY:
        day -= dt.timedelta(days=1)
    for hour in (10, 11, 15, 16):
        start = local_datetime(day, dt.time(hour))
        taken = Appointment.objects.filter(
            practitioner=practitioner,
            status__in=Appointment.ACTIVE_STATUSES,
            start__lt=start + dt.timedelta(hours=2),
            blocked_until__gt=start,
        ).exists()
        if not taken:
            return start
    return local_datetime(day, dt.time(17))


def load_demo_client(*, now: dt.datetime | None = None) -> TreatmentPlan | None:
    """``client@demo.spa``: a clear intake, the current consent signed, and deep acne scars on the
    cheeks in progress: session 1 done about five weeks ago (recorded and rated), session 2
    booked inside its window. Each step checks its own state first, so it runs twice safely."""
    now = now or timezone.now()
    client = User.objects.filter(email=DEMO_CLIENT).first()
    anna = Practitioner.objects.filter(user__email="anna@demo.spa").first()
    if client is None or anna is None or not Service.objects.filter(slug="microneedling-face").exists():
        return None  # the default rules are not loaded (seed_defaults runs first in `make seed`)
    _screened(client, now=now)
    concern, area = DEMO_PLAN
    plan = TreatmentPlan.objects.filter(client=client, concern__slug=concern, area__slug=area).first()
    if plan is None:
        plan = start_plan(client=client, concern=concern, area=area, created_by=client, now=now - dt.timedelta(weeks=6))
    _first_session_done(plan, client=client, anna=anna, now=now)
    plan.refresh_from_db()
    if (
        plan.status == TreatmentPlan.Status.ACTIVE
        and not plan.appointments.filter(session_number=2, status__in=Appointment.ACTIVE_STATUSES).exists()
    ):
        try:
            proposal = propose_course(plan=plan, practitioner=anna, now=now)[0]
            book_appointment(
                client=client,
                service=plan.service,
                start=proposal.start,
                practitioner=proposal.practitioner,
                plan=plan,
                booked_by=client,
                now=now,
            )
        except SchedulingError as error:
            # Best effort: a full diary in the window leaves session 2 for the client to book.
            logger.warning("Demo: session 2 not booked: %s", error.message)
    return plan


def _screened(client: User, *, now: dt.datetime) -> None:
    """Her intake (all no) and the current consent, six weeks ago."""
    questions = Contraindication.objects.filter(active=True)
    if not IntakeSubmission.objects.filter(client=client).exists():
        submit_intake(user=client, answers={q.slug: False for q in questions}, now=now - dt.timedelta(weeks=6))
    text = current_consent_text()
    if text and not ConsentSignature.objects.filter(client=client, text=text).exists():
        sign_consent(
            user=client,
            signed_name=client.get_full_name(),
            accepted=True,
            ip=None,
            user_agent="demo data",
            now=now - dt.timedelta(weeks=6),
        )


def _first_session_done(plan: TreatmentPlan, *, client: User, anna: Practitioner, now: dt.datetime) -> None:
    """Session 1 about five weeks ago: booked, checked in, recorded, then rated a week later."""
    first = plan.appointments.filter(session_number=1).first()
    if first is None:
        # Booking refuses the past, so the past appointment is written directly.
        start = _first_session_start(client=client, practitioner=anna, now=now)
        service = plan.service
        first = Appointment.objects.create(
            client=client,
            practitioner=anna,
            room=Room.objects.order_by("position").first(),
            service=service,
            plan=plan,
            session_number=1,
            start=start,
            end=start + dt.timedelta(minutes=service.duration_minutes),
            blocked_until=start + dt.timedelta(minutes=service.blocked_minutes),
            booked_by=client,
            created_at=start - dt.timedelta(weeks=1),
        )
    if first.status == Appointment.Status.BOOKED and not plan.sessions.filter(number=1).exists():
        # At the point of care: the day-of questions at the desk (all no), check-in, the record.
        first = check_in_appointment(appointment=first, by=anna.user, answers=DayOfAnswers(), now=first.start)
    if first.status == Appointment.Status.CHECKED_IN and not plan.sessions.filter(number=1).exists():
        record_session(
            appointment=first,
            depth_used_mm=plan.depth_min_mm,
            areas=TreatmentArea.objects.filter(pk=plan.area_id),
            products=Product.objects.filter(slug__in=["colostrum_gel", "hyaluronic_serum"]),
            reaction="mild",
            notes="Numbing cream 30 min. Even redness, no pinpoint bleeding. Tolerated well.",
            by=anna.user,
            now=first.end,
        )
    recorded = plan.sessions.filter(number=1).first()
    if recorded is not None and recorded.results_rating is None:
        rate_session(
            session=recorded,
            client=client,
            rating=3,
            comment="Skin feels smoother; scars a little softer.",
            now=first.end + dt.timedelta(days=7),
        )


# --- A few more clients, so the diary of the coming weeks is not empty ----------------------

DEMO_REGULARS = [
    # email, first, last, service, days ahead, local hour, practitioner
    ("maya@demo.spa", "Maya", "Patel", "microneedling-face", 1, 11, "ben@demo.spa"),
    ("sofia@demo.spa", "Sofia", "Rossi", "microneedling-face-neck", 2, 14, "anna@demo.spa"),
    ("grace@demo.spa", "Grace", "Kim", "consultation", 3, 9, "ben@demo.spa"),
    ("hannah@demo.spa", "Hannah", "Wright", "microneedling-body", 6, 15, "anna@demo.spa"),
    ("leila@demo.spa", "Leila", "Haddad", "microneedling-face", 9, 10, "anna@demo.spa"),
    # Her face needs four weeks' rest after day 1: her second visit is for her body.
    ("maya@demo.spa", "Maya", "Patel", "microneedling-body", 13, 16, "anna@demo.spa"),
    ("sofia@demo.spa", "Sofia", "Rossi", "consultation", 17, 12, "ben@demo.spa"),
]


def load_demo_regulars(*, now: dt.datetime | None = None) -> int:
    """Screened clients with bookings over the next three weeks, through the booking service.

    A client who already has a booking is left alone (so a second run books nothing); a time
    that is not free is moved to the next free one that day (best effort).
    """
    now = now or timezone.now()
    booked = 0
    if not Service.objects.exists():
        return booked  # the default rules are not loaded (seed_defaults runs first in `make seed`)
    questions = Contraindication.objects.filter(active=True)
    text = current_consent_text()
    fresh: set[str] = set()
    for email, first, last, slug, days, hour, practitioner_email in DEMO_REGULARS:
        client = User.objects.filter(email=email).first()
        if client is None:
            client = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=first, last_name=last)
            ClientProfile.objects.create(user=client, phone="+447700900200", date_of_birth=dt.date(1988, 3, 9))
            submit_intake(user=client, answers={q.slug: False for q in questions}, now=now)
            if text:
                sign_consent(
                    user=client, signed_name=f"{first} {last}", accepted=True, ip=None, user_agent="demo data", now=now
                )
            fresh.add(email)
        if email not in fresh:
            continue
        service = Service.objects.get(slug=slug)
        practitioner = Practitioner.objects.get(user__email=practitioner_email)
        later = []
        for extra in range(3):  # a Sunday or a full day: the next day
            day = local_date(now) + dt.timedelta(days=days + extra)
            offered = available_slots(service=service, start_date=day, end_date=day, practitioner=practitioner, now=now)
            wanted = local_datetime(day, dt.time(hour))
            later = [slot for slot in offered if slot.start >= wanted] or offered
            if later:
                break
        if not later:
            continue
        try:
            book_appointment(
                client=client,
                service=service,
                start=later[0].start,
                practitioner=practitioner,
                booked_by=client,
                now=now,
            )
            booked += 1
        except SchedulingError as error:
            logger.warning("Demo: %s not booked: %s", email, error.message)
    return booked
