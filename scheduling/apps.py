from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Scheduling's sections of a client's data export and its part of erasure
        # (clients cannot import scheduling, so scheduling registers itself).
        from scheduling import privacy

        privacy.register()
