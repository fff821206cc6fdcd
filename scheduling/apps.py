from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Scheduling's sections of a client's data export and its part of erasure
        # (clients cannot import scheduling, so scheduling registers itself).
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from scheduling import privacy
        from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours
        from scheduling.notifications import tasks  # noqa: F401 - registers the Celery tasks (outbox kicks by name)
        from scheduling.resources.answer_cache import schedule_changed
        from scheduling.resources.signals import schedule_written
        from treatments.models import Service

        privacy.register()

        # The staff roles' groups and their permissions, after every migrate (idempotent). Here
        # because scheduling migrates last of our apps: every permission exists by then.
        from django.db.models.signals import post_migrate

        from spa.lib.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="spa-role-groups")

        # Cache invalidation only (no business flow): any committed change to what availability
        # reads makes cached availability answers stale.
        for model in (Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours, Service):
            post_save.connect(schedule_changed, sender=model, dispatch_uid=f"availability-{model.__name__}")
            post_delete.connect(schedule_changed, sender=model, dispatch_uid=f"availability-del-{model.__name__}")
        m2m_changed.connect(
            schedule_changed, sender=Practitioner.services.through, dispatch_uid="availability-services"
        )
        # Bulk writes (no model signal) announce themselves through scheduling.signals.
        schedule_written.connect(schedule_changed, dispatch_uid="availability-bulk")
