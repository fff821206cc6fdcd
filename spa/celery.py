"""The Celery application, configured from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spa.settings")

app = Celery("spa", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Scheduling's tasks live in its notifications room, not in scheduling/tasks.py.
app.autodiscover_tasks(["scheduling.notifications"])
