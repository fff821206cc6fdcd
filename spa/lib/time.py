"""Time helpers: the spa's local zone, local dates and aware datetimes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def spa_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_now(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()).astimezone(spa_zone())


def local_date(moment: dt.datetime) -> dt.date:
    """The spa's calendar date of an aware moment."""
    return moment.astimezone(spa_zone()).date()


def local_datetime(day: dt.date, clock: dt.time) -> dt.datetime:
    """An aware datetime for a wall-clock time on a local date.

    Round-tripped through UTC so that a non-existent time (the spring-forward gap) is
    normalised to a real instant rather than left with a wrong offset.
    """
    naive = dt.datetime.combine(day, clock)
    aware = naive.replace(tzinfo=spa_zone())
    return aware.astimezone(dt.UTC).astimezone(spa_zone())


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar day as aware datetimes (23 or 25 hours on DST days)."""
    return local_datetime(day, dt.time.min), local_datetime(day + dt.timedelta(days=1), dt.time.min)
