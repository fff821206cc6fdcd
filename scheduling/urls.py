"""Scheduling pages, one module per topic (booking, staff, plans, messages)."""

from __future__ import annotations

from scheduling.views import booking, care, hours, messages, plans, staff

app_name = "scheduling"

urlpatterns = [
    *booking.urlpatterns,
    *staff.urlpatterns,
    *hours.urlpatterns,
    *plans.urlpatterns,
    *messages.urlpatterns,
    *care.urlpatterns,
]
