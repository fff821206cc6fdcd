from __future__ import annotations

from django.core.management.base import BaseCommand

from treatments.defaults import load_default_rules


class Command(BaseCommand):
    help = "Load the default treatment rules (idempotent: only missing rows are created)."

    def handle(self, *args: object, **options: object) -> None:
        created = load_default_rules()
        total = sum(created.values())
        detail = ", ".join(f"{n} {kind}" for kind, n in created.items() if n) or "nothing new"
        self.stdout.write(f"Default rules: {total} rows created ({detail}).")
