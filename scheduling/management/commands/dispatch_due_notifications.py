"""``manage.py dispatch_due_notifications``: one run of the outbox sweeper, without Celery."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scheduling.notifications.dispatch import dispatch_due_notifications


class Command(BaseCommand):
    help = "Reclaim stuck messages, then send every due message (batches until none is due)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--budget", type=float, default=300.0, help="Stop claiming new batches after N seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = dispatch_due_notifications(time_budget_seconds=options["budget"])
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items())) or "nothing due"
        self.stdout.write(f"Reclaimed {result.reclaimed}; claimed {result.claimed}: {outcomes}.")
