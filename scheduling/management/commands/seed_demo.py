from __future__ import annotations

from django.core.management.base import BaseCommand

from scheduling.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo spa: accounts, practitioners, rooms, hours (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        accounts = load_demo()
        self.stdout.write(f"Demo accounts (password {DEMO_PASSWORD}):")
        for email, role in accounts:
            self.stdout.write(f"  {email:<20} {role}")
