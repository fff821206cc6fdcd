"""Booking: an appointment is booked, moved or cancelled here and nowhere else.

``services`` (book, reschedule, cancel) under the rules of ``spacing`` (one client, one skin)
and ``idempotency`` (one tap, one booking); ``selectors`` are the access-scoped reads every
page and API view uses; ``calendars`` the .ics files; ``audit`` the check behind
``manage.py check_bookings``.
"""
