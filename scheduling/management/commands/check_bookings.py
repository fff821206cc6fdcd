"""``manage.py check_bookings``: list every active appointment that breaks a booking rule."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from scheduling.booking.audit import booking_breaches


class Command(BaseCommand):
    help = (
        "List booked and checked-in appointments that break a rule (spacing between needlings of an area, "
        "a client in two places, a plan session on the wrong service). Exits 1 when any does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overrides", action="store_true", help="Also list staff overrides that have a recorded reason."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        breaches = booking_breaches(overrides=options["overrides"])
        for breach in breaches:
            a = breach.appointment
            when = timezone.localtime(a.start)
            self.stdout.write(f"#{a.pk} {when:%Y-%m-%d %H:%M} {a.client} {a.service}: {breach.code}: {breach.message}")
        if breaches:
            raise CommandError(f"{len(breaches)} appointment(s) break a booking rule.")
        self.stdout.write("Every active appointment keeps the booking rules.")
