"""Free slots of a service over a range of local dates: one engine for pages, API and booking.

The rules:

- Candidate starts step by ``SPA_SLOT_STEP_MINUTES`` in the spa's LOCAL wall-clock time from the
  start of each working interval, so a 09:00 slot is 09:00 local on both sides of a
  daylight-saving change.
- The service itself (``duration_minutes``) must end inside the working interval. Its buffer
  (cleaning, sterilisation) may run past the end of the interval (the last client of the morning
  leaves at 13:00, the room is cleaned during lunch), but the whole blocked range
  ``[start, start + duration + buffer)`` must not overlap the practitioner's time off or another
  active appointment of hers, and one active room must be free for all of it. That is the range
  the PostgreSQL exclusion constraints hold (migration 0002), so what is offered here is what the
  database accepts.
- No slot on a closure date (local dates); none before ``now + SPA_MIN_NOTICE_HOURS`` (staff
  bookings pass ``enforce_notice=False`` and only the past is refused); none after
  ``SPA_HORIZON_DAYS`` local days from today.
- Only active practitioners who perform the service; ``min_depth_mm`` keeps only those allowed to
  needle that deep (a plan's depth range starts there); ``window`` keeps only its local dates.

Cost: six queries whatever the range or the number of practitioners (practitioners, working
hours, closures, time off, rooms, appointments); slots are assembled in memory on sorted,
merged busy intervals held as integer epoch seconds (bisect per candidate).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.utils import timezone

from scheduling.models import Appointment, Closure, Practitioner, Room, TimeOff, WorkingHours
from scheduling.windows import Window
from spa.lib.time import local_date, local_datetime, spa_zone
from treatments.models import Service


class Slot(NamedTuple):
    """One bookable start with one practitioner (a named tuple: thousands are made per month)."""

    start: dt.datetime  # aware, in the spa's zone
    end: dt.datetime  # end of the session for the client
    blocked_until: dt.datetime  # end of the buffer: what practitioner and room are held until
    practitioner_id: int
    practitioner_name: str
    room_ids: tuple[int, ...] = ()

    @property
    def local_date(self) -> dt.date:
        return self.start.date()


class _Busy:
    """Sorted, merged half-open intervals [s, e) in epoch seconds, with an O(log n) overlap test."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(intervals):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def overlaps(self, s: int, e: int) -> bool:
        # The first interval ending after s is the only candidate: ends are sorted after merging.
        i = bisect_right(self.ends, s)
        return i < len(self.starts) and self.starts[i] < e


_FREE = _Busy(())


def _ts(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _candidates(day: dt.date, start_time: dt.time, end_time: dt.time, *, step_minutes: int, duration: int) -> list[int]:
    """Epoch seconds of the starts of a working interval: every ``step_minutes`` of LOCAL
    wall-clock time from ``start_time``, keeping those whose session (``duration`` seconds)
    ends by ``end_time``."""
    first = local_datetime(day, start_time)
    last = local_datetime(day, end_time)
    end = _ts(last)
    if first.utcoffset() == last.utcoffset():
        # No daylight-saving change inside the interval (the usual case): plain arithmetic.
        base, step = _ts(first), step_minutes * 60
        return list(range(base, end - duration + 1, step))
    # A change inside the interval: convert each wall-clock time on its own.
    begin = start_time.hour * 60 + start_time.minute
    stop = end_time.hour * 60 + end_time.minute
    starts = (_ts(local_datetime(day, dt.time(m // 60, m % 60))) for m in range(begin, stop, step_minutes))
    # Times in the spring-forward gap are normalised to the instant after it: drop duplicates.
    return sorted({s for s in starts if s + duration <= end})


def available_slots(
    *,
    service: Service,
    start_date: dt.date,
    end_date: dt.date,
    practitioner: Practitioner | int | None = None,
    window: Window | None = None,
    min_depth_mm: Decimal | None = None,
    now: dt.datetime | None = None,
    enforce_notice: bool = True,
    exclude_appointment_id: int | None = None,
    ignore_appointments: bool = False,
) -> list[Slot]:
    """Free slots of ``service`` on the local dates ``start_date``..``end_date`` (both included),
    sorted by start, then by practitioner position.

    ``exclude_appointment_id`` leaves one appointment out of the busy set (rescheduling it);
    ``ignore_appointments`` computes what would be offered on an empty book (to tell a slot just
    taken from one never offered).
    """
    now = now or timezone.now()
    zone = spa_zone()
    today = local_date(now)
    if window is not None:
        if window.start is not None:
            start_date = max(start_date, window.start)
        if window.end is not None:
            end_date = min(end_date, window.end)
    start_date = max(start_date, today)
    end_date = min(end_date, today + dt.timedelta(days=settings.SPA_HORIZON_DAYS))
    if start_date > end_date or not service.active:
        return []

    earliest = _ts(now + dt.timedelta(hours=settings.SPA_MIN_NOTICE_HOURS)) if enforce_notice else _ts(now)
    duration = service.duration_minutes * 60
    blocked = (service.duration_minutes + service.buffer_minutes) * 60
    step = settings.SPA_SLOT_STEP_MINUTES
    range_start = local_datetime(start_date, dt.time.min)
    # The last day's buffer may run past midnight: read far enough to see what it would hit.
    range_end = local_datetime(end_date + dt.timedelta(days=1), dt.time.min) + dt.timedelta(seconds=blocked)

    # 1. Practitioners who perform the service (and may needle deep enough).
    people = Practitioner.objects.filter(active=True, services=service)
    if practitioner is not None:
        people = people.filter(pk=getattr(practitioner, "pk", practitioner))
    if min_depth_mm is not None:
        people = people.filter(max_depth_mm__gte=min_depth_mm)
    staff = list(people.order_by("position", "display_name").values_list("id", "display_name"))
    if not staff:
        return []
    ids = [pk for pk, _ in staff]

    # 2. Working hours by practitioner and weekday.
    hours: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for pid, weekday, start_time, end_time in WorkingHours.objects.filter(practitioner_id__in=ids).values_list(
        "practitioner_id", "weekday", "start_time", "end_time"
    ):
        hours[pid, weekday].append((start_time, end_time))

    # 3. Closure dates.
    closed: set[dt.date] = set()
    for first, last in Closure.objects.filter(start_date__lte=end_date, end_date__gte=start_date).values_list(
        "start_date", "end_date"
    ):
        day = max(first, start_date)
        while day <= min(last, end_date):
            closed.add(day)
            day += dt.timedelta(days=1)

    # 4. Time off, 5. rooms, 6. appointments (all practitioners: rooms are shared).
    busy_people: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pid, start, end in TimeOff.objects.filter(
        practitioner_id__in=ids, start__lt=range_end, end__gt=range_start
    ).values_list("practitioner_id", "start", "end"):
        busy_people[pid].append((_ts(start), _ts(end)))
    room_ids = list(Room.objects.filter(active=True).order_by("position", "name").values_list("id", flat=True))
    if not room_ids:
        return []
    busy_rooms: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if not ignore_appointments:
        appointments = Appointment.objects.filter(
            status__in=Appointment.ACTIVE_STATUSES, start__lt=range_end, blocked_until__gt=range_start
        )
        if exclude_appointment_id is not None:
            appointments = appointments.exclude(pk=exclude_appointment_id)
        for pid, room_id, start, until in appointments.values_list(
            "practitioner_id", "room_id", "start", "blocked_until"
        ):
            interval = (_ts(start), _ts(until))
            busy_people[pid].append(interval)
            busy_rooms[room_id].append(interval)
    people_busy = {pid: _Busy(busy_people.get(pid, ())) for pid in ids}
    rooms_busy = [(room_id, _Busy(busy_rooms.get(room_id, ()))) for room_id in room_ids]

    found: list[tuple[int, int, Slot]] = []
    days = [start_date + dt.timedelta(days=n) for n in range((end_date - start_date).days + 1)]
    # Shared by all practitioners (the same hours give the same instants): candidate starts per
    # working interval, free rooms per start, and the aware datetimes of each start.
    candidates: dict[tuple[dt.date, dt.time, dt.time], list[int]] = {}
    free_rooms: dict[int, tuple[int, ...]] = {}
    instants: dict[int, tuple[dt.datetime, dt.datetime, dt.datetime]] = {}
    fromtimestamp = dt.datetime.fromtimestamp

    for order, (pid, name) in enumerate(staff):
        mine = people_busy[pid]
        busy_starts, busy_ends, count = mine.starts, mine.ends, len(mine.ends)
        for day in days:
            if day in closed:
                continue
            for start_time, end_time in hours.get((pid, day.weekday()), ()):
                key = (day, start_time, end_time)
                starts = candidates.get(key)
                if starts is None:
                    starts = candidates[key] = _candidates(
                        day, start_time, end_time, step_minutes=step, duration=duration
                    )
                if not starts:
                    continue
                # Starts only grow: walk the practitioner's sorted busy intervals alongside them.
                i = bisect_right(busy_ends, starts[0])
                for s in starts:
                    if s < earliest:
                        continue
                    while i < count and busy_ends[i] <= s:
                        i += 1
                    b = s + blocked
                    if i < count and busy_starts[i] < b:
                        continue
                    free = free_rooms.get(s)
                    if free is None:
                        free = free_rooms[s] = tuple(r for r, busy in rooms_busy if not busy.overlaps(s, b))
                    if not free:
                        continue
                    times = instants.get(s)
                    if times is None:
                        times = instants[s] = (
                            fromtimestamp(s, tz=zone),
                            fromtimestamp(s + duration, tz=zone),
                            fromtimestamp(b, tz=zone),
                        )
                    found.append((s, order, Slot(*times, pid, name, free)))
    found.sort(key=itemgetter(0, 1))
    return [slot for _, _, slot in found]


def slots_at(
    *,
    service: Service,
    start: dt.datetime,
    practitioner: Practitioner | int | None = None,
    min_depth_mm: Decimal | None = None,
    now: dt.datetime | None = None,
    enforce_notice: bool = True,
    exclude_appointment_id: int | None = None,
    ignore_appointments: bool = False,
) -> list[Slot]:
    """The slots (one per free practitioner) starting exactly at ``start``."""
    day = local_date(start)
    return [
        slot
        for slot in available_slots(
            service=service,
            start_date=day,
            end_date=day,
            practitioner=practitioner,
            min_depth_mm=min_depth_mm,
            now=now,
            enforce_notice=enforce_notice,
            exclude_appointment_id=exclude_appointment_id,
            ignore_appointments=ignore_appointments,
        )
        if slot.start == start
    ]
