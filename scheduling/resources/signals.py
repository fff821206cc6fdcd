"""The one signal of a schedule write that Django's model signals do not announce.

``bulk_create`` and ``QuerySet.update`` send no ``post_save``. Every service that writes what
availability reads (appointments, hours, time off, closures, practitioners, rooms, services) in
bulk calls ``schedule_written_in_bulk(Model)`` after the write; listeners treat it like the model
signals (``SchedulingConfig.ready`` connects the availability answer cache to both).
"""

from __future__ import annotations

from django.db.models import Model
from django.dispatch import Signal

#: Sent with ``sender`` the model whose rows were written in bulk.
schedule_written = Signal()


def schedule_written_in_bulk(model: type[Model]) -> None:
    """Announce a bulk write of ``model``'s rows (inside or outside a transaction)."""
    schedule_written.send(sender=model)
