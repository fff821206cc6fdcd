"""Scheduling's JSON API (``/api/v1/``), one module per topic."""

from __future__ import annotations

from scheduling.api import availability, booking, notifications, plans, staff

urlpatterns = [
    *availability.urlpatterns,
    *booking.urlpatterns,
    *staff.urlpatterns,
    *plans.urlpatterns,
    *notifications.urlpatterns,
]
