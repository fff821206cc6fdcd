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

How: one query whatever the range or the number of practitioners (working hours joined with
practitioners, closures, rooms, time off and appointments in one ``UNION ALL``:
``scheduling/resources/schedule_reads.py``).
Everything after is integer minutes (``scheduling/resources/free_time.py``): busy time becomes
ranges of forbidden starts, each working interval of a local date a bitmap of candidate starts at
the step, and a practitioner's free starts are that bitmap minus her forbidden starts and those
where no room is free.
Datetimes are made only for the slots returned (``FreeStarts.slots``); the day summary and the
compact answer never make them for each start. Working hours are whole minutes (HH:MM).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from scheduling.models import Practitioner
from scheduling.resources.free_time import NOTHING, Grid, Ranges, bits_of
from scheduling.resources.schedule_reads import Busy, read_schedule
from spa.lib.time import local_date, local_datetime, spa_zone
from treatments.models import Service

if TYPE_CHECKING:  # a plan's window narrows the dates; the engine needs only its two dates
    from scheduling.plans.windows import Window


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


class DaySummary(NamedTuple):
    """One local date of the day strip: how many distinct start times are free, and the first."""

    date: dt.date
    count: int
    first: dt.datetime | None


# One practitioner's free starts in one working interval: (practitioner order, grid, bitmap).
Entry = tuple[int, Grid, int]
_CLOCK = [f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * 60)]
# Timedeltas of whole minutes up to a day: adding one to a datetime is far cheaper than making one.
_MINUTES = [dt.timedelta(minutes=m) for m in range(24 * 60 + 1)]


def _floor_minute(moment: dt.datetime) -> int:
    return int(moment.timestamp()) // 60


def _ceil_minute(moment: dt.datetime) -> int:
    return -(-int(moment.timestamp()) // 60)


class FreeStarts:
    """The free starts of one question, by local date and practitioner, before any datetime.

    ``days`` lists ``(date, entries)`` in date order, each entry ``(order, grid, bitmap)``
    with ``order`` an index into ``staff`` (position order).
    """

    def __init__(
        self,
        *,
        staff: list[tuple[int, str]] | None = None,
        days: list[tuple[dt.date, list[Entry]]] | None = None,
        duration: int = 0,
        blocked: int = 0,
        rooms: list[tuple[int, Ranges]] | None = None,
    ) -> None:
        self.staff = staff or []
        self.days = days or []
        self.duration = duration
        self.blocked = blocked
        self.rooms = rooms or []
        self.zone: ZoneInfo = spa_zone()
        self._moments: dict[int, dt.datetime] = {}

    def on(self, day: dt.date) -> FreeStarts:
        """Only the starts of one local date (the day a client picked)."""
        days = [(d, entries) for d, entries in self.days if d == day]
        return FreeStarts(staff=self.staff, days=days, duration=self.duration, blocked=self.blocked, rooms=self.rooms)

    def keep(self, suits: Callable[[Slot], bool]) -> FreeStarts:
        """Only the starts whose slot ``suits``: a rule applied on top of the engine, such as a
        signed-in client's own spacing and diary (``scheduling.spacing.personal_filter``)."""
        days = []
        for day, entries in self.days:
            kept = []
            for order, grid, mask in entries:
                pid, name = self.staff[order]
                for bit in bits_of(mask):
                    if not suits(Slot(*self._times(grid.instant(bit)), pid, name)):
                        mask &= ~(1 << bit)
                if mask:
                    kept.append((order, grid, mask))
            if kept:
                days.append((day, kept))
        return FreeStarts(staff=self.staff, days=days, duration=self.duration, blocked=self.blocked, rooms=self.rooms)

    def moment(self, minute: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(minute * 60, tz=self.zone)

    def slots(self) -> list[Slot]:
        """Every free (start, practitioner), sorted by start then practitioner position."""
        found: list[Slot] = []
        for _day, entries in self.days:
            runs = _runs(entries)
            if runs is None:
                found += self._sorted_slots(entries)
                continue
            for grid, masks in runs:
                found += self._grid_slots(grid, masks)
        return found

    def _grid_slots(self, grid: Grid, masks: list[tuple[int, int]]) -> list[Slot]:
        """The slots of one working interval shared by ``masks`` (order, bitmap): by start
        (bit), then by practitioner order (``masks`` is in that order), without sorting."""
        new, found, duration, blocked = tuple.__new__, [], self.duration, self.blocked
        people = [(*self.staff[order], mask) for order, mask in masks]
        offered = 0
        for _order, mask in masks:
            offered |= mask
        free_rooms = self._free_rooms(grid, offered)
        starts = [grid.instant(bit) for bit in bits_of(offered)]
        made = self._moments_of(grid, starts)
        for bit, minute in zip(bits_of(offered), starts, strict=True):
            start, end, until, free = made[minute], made[minute + duration], made[minute + blocked], free_rooms[bit]
            found += [new(Slot, (start, end, until, pid, name, free)) for pid, name, mask in people if mask >> bit & 1]
        return found

    def _moments_of(self, grid: Grid, starts: list[int]) -> dict[int, dt.datetime]:
        """The datetimes of ``starts`` (minutes of ``grid``), of their ends and ends of buffer:
        one object per minute, shared (a slot's end is often a later one's start), kept in
        ``self._moments``. Within an arithmetic grid every instant has the offset of its first
        (``_grid`` checked the interval's two ends), so they are its first plus minutes, far
        cheaper than a zone look-up; a buffer past the interval is looked up."""
        made, zone = self._moments, self.zone
        zero, base = self._moment(grid.base), grid.base
        # A first in the repeated hour after a fall-back (fold=1) would be lost by arithmetic.
        same_offset_until = base - 1 if grid.points is not None or zero.fold else grid.last_end(self.duration)
        for minute in starts:
            for at in (minute, minute + self.duration, minute + self.blocked):
                if at not in made:
                    if at <= same_offset_until:
                        made[at] = zero + _MINUTES[at - base]
                    else:
                        made[at] = dt.datetime.fromtimestamp(at * 60, zone)  # tz positional: faster
        return made

    def _free_rooms(self, grid: Grid, bits: int) -> dict[int, tuple[int, ...]]:
        """The free rooms (in room order) at each of ``bits``: the bits are split room by room
        into groups that share the same free rooms, so each tuple is made once per group."""
        groups: dict[tuple[int, ...], int] = {(): bits}
        for room, taken in self.rooms:
            busy = grid.mask(taken)
            split: dict[tuple[int, ...], int] = {}
            for free, group in groups.items():
                if group & ~busy:
                    split[(*free, room)] = group & ~busy
                if group & busy:
                    split[free] = group & busy
            groups = split
        return {bit: free for free, group in groups.items() for bit in bits_of(group)}

    def _sorted_slots(self, entries: list[Entry]) -> list[Slot]:
        """The slots of a day whose working intervals overlap (different hours): sort them."""
        staff, n, new = self.staff, len(self.staff), tuple.__new__
        codes = sorted(grid.instant(bit) * n + order for order, grid, mask in entries for bit in bits_of(mask))
        found = []
        for code in codes:
            minute, order = divmod(code, n)
            free = tuple(room for room, taken in self.rooms if not taken.contains(minute))
            pid, name = staff[order]
            found.append(new(Slot, (*self._times(minute), pid, name, free)))
        return found

    def _times(self, minute: int) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
        """Start, end and end of buffer of a start."""
        return self._moment(minute), self._moment(minute + self.duration), self._moment(minute + self.blocked)

    def _moment(self, minute: int) -> dt.datetime:
        """One datetime object per minute: the API formats each object once."""
        made = self._moments.get(minute)
        if made is None:
            made = self._moments[minute] = dt.datetime.fromtimestamp(minute * 60, self.zone)  # tz positional: faster
        return made

    def summaries(self, start_date: dt.date, end_date: dt.date) -> list[DaySummary]:
        """Each local date of ``start_date``..``end_date``: distinct free start times and the first."""
        known: dict[dt.date, tuple[int, int]] = {}
        for day, entries in self.days:
            grids: dict[int, tuple[Grid, int]] = {}
            for _order, grid, mask in entries:
                seen = grids.get(id(grid))
                grids[id(grid)] = (grid, mask | seen[1] if seen else mask)
            if len(grids) == 1:
                ((grid, mask),) = grids.values()
                known[day] = (mask.bit_count(), grid.instant((mask & -mask).bit_length() - 1))
            else:
                instants = {grid.instant(bit) for grid, mask in grids.values() for bit in bits_of(mask)}
                known[day] = (len(instants), min(instants))
        summaries = []
        for n in range((end_date - start_date).days + 1):
            day = start_date + dt.timedelta(days=n)
            count, first = known.get(day, (0, None))
            summaries.append(DaySummary(day, count, self.moment(first) if first is not None else None))
        return summaries

    def clock_times(self) -> list[tuple[dt.date, list[tuple[int, list[str]]]]]:
        """Local ``HH:MM`` starts by date, then by practitioner id in position order."""
        result = []
        for day, entries in self.days:
            by_order: dict[int, list[str]] = {}
            spans: dict[int, int] = defaultdict(int)
            for order, grid, mask in entries:
                by_order.setdefault(order, []).extend(self._clock(grid, bit) for bit in bits_of(mask))
                spans[order] += 1
            people = []
            for order in sorted(by_order):
                times = by_order[order]
                # Two working intervals of one person may overlap: each time once, in order.
                people.append((self.staff[order][0], sorted(set(times)) if spans[order] > 1 else times))
            result.append((day, people))
        return result

    def _clock(self, grid: Grid, bit: int) -> str:
        if grid.points is None:
            return _CLOCK[grid.clock0 + bit * grid.step]
        return f"{self.moment(grid.points[bit]):%H:%M}"


def _runs(entries: list[Entry]) -> list[tuple[Grid, list[tuple[int, int]]]] | None:
    """A day's entries grouped by working interval, in time order; ``None`` when two intervals
    overlap in time (people with different hours), so their starts must be merged by sorting."""
    groups: dict[int, tuple[Grid, list[tuple[int, int]]]] = {}
    for order, grid, mask in entries:
        group = groups.get(id(grid))
        if group is None:
            group = groups[id(grid)] = (grid, [])
        group[1].append((order, mask))
    runs = sorted(groups.values(), key=lambda run: run[0].instant(0))
    for (before, _), (after, _) in zip(runs, runs[1:], strict=False):
        if before.instant(before.size - 1) >= after.instant(0):
            return None
    return runs


def _grid(day: dt.date, start_time: dt.time, end_time: dt.time, *, step: int, duration: int) -> Grid:
    """The candidate starts of a working interval: every ``step`` minutes of LOCAL wall-clock
    time from ``start_time``, keeping those whose session (``duration`` minutes) ends by
    ``end_time``."""
    first = local_datetime(day, start_time)
    last = local_datetime(day, end_time)
    end = _floor_minute(last)
    if first.utcoffset() == last.utcoffset():
        # No daylight-saving change inside the interval (the usual case): plain arithmetic.
        base = _floor_minute(first)
        size = max(0, (end - duration - base) // step + 1)
        return Grid(base=base, step=step, size=size, clock0=first.hour * 60 + first.minute)
    # A change inside the interval: convert each wall-clock time on its own.
    begin = start_time.hour * 60 + start_time.minute
    stop = end_time.hour * 60 + end_time.minute
    instants = (_floor_minute(local_datetime(day, dt.time(m // 60, m % 60))) for m in range(begin, stop, step))
    # Times in the spring-forward gap are normalised to the instant after it: drop duplicates.
    points = sorted({p for p in instants if p + duration <= end})
    return Grid(base=points[0] if points else 0, step=step, size=len(points), clock0=0, points=points)


def _dates(*, start_date: dt.date, end_date: dt.date, window: Window | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The asked dates narrowed to the window, today and the horizon (may come out empty)."""
    if window is not None:
        if window.start is not None:
            start_date = max(start_date, window.start)
        if window.end is not None:
            end_date = min(end_date, window.end)
    start_date = max(start_date, today)
    end_date = min(end_date, today + dt.timedelta(days=settings.SPA_HORIZON_DAYS))
    return start_date, end_date


def free_starts(
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
) -> FreeStarts:
    """The free starts of ``service`` on the local dates ``start_date``..``end_date`` (both
    included), as bitmaps by date and practitioner; ``available_slots`` makes them slots."""
    now = now or timezone.now()
    start_date, end_date = _dates(start_date=start_date, end_date=end_date, window=window, today=local_date(now))
    if start_date > end_date or not service.active:
        return FreeStarts()
    duration = service.duration_minutes
    blocked = duration + service.buffer_minutes
    # The last day's buffer may run past midnight: read far enough to see what it would hit.
    first = _floor_minute(local_datetime(start_date, dt.time.min))
    last = _floor_minute(local_datetime(end_date + dt.timedelta(days=1), dt.time.min)) + blocked
    staff, hours, closed, busy = read_schedule(
        service_id=service.pk,
        practitioner_id=getattr(practitioner, "pk", practitioner),
        min_depth_mm=min_depth_mm,
        dates=(start_date, end_date),
        minutes=(first, last),
        blocked=blocked,
        exclude_appointment_id=exclude_appointment_id,
        ignore_appointments=ignore_appointments,
    )
    if not staff or busy is None:
        return FreeStarts()
    notice = dt.timedelta(hours=settings.SPA_MIN_NOTICE_HOURS) if enforce_notice else dt.timedelta()
    days = [start_date + dt.timedelta(days=n) for n in range((end_date - start_date).days + 1)]
    found = _assemble(
        days=[day for day in days if day not in closed],
        staff=staff,
        hours=hours,
        busy=busy,
        earliest=_ceil_minute(now + notice),
        duration=duration,
    )
    return FreeStarts(staff=staff, days=found, duration=duration, blocked=blocked, rooms=busy.rooms)


def _assemble(
    *,
    days: list[dt.date],
    staff: list[tuple[int, str]],
    hours: dict[tuple[int, int], list[tuple[dt.time, dt.time]]],
    busy: Busy,
    earliest: int,
    duration: int,
) -> list[tuple[dt.date, list[Entry]]]:
    """Each practitioner-day's free starts: the interval's candidates that are late enough and
    have a free room (computed once per interval, shared by everybody with the same hours),
    minus her own forbidden starts."""
    step = settings.SPA_SLOT_STEP_MINUTES
    found: list[tuple[dt.date, list[Entry]]] = []
    for day in days:
        weekday = day.weekday()
        shared: dict[tuple[dt.time, dt.time], tuple[Grid, int]] = {}
        entries: list[Entry] = []
        for order, (pid, _name) in enumerate(staff):
            mine = busy.people.get(pid, NOTHING)
            for span in hours.get((pid, weekday), ()):
                opened = shared.get(span)
                if opened is None:
                    grid = _grid(day, *span, step=step, duration=duration)
                    late = grid.full ^ ((1 << grid.from_bit(earliest)) - 1)
                    opened = shared[span] = (grid, late & ~grid.mask(busy.no_room))
                grid, bits = opened
                if bits and mine.starts:
                    bits &= ~grid.mask(mine)
                if bits:
                    entries.append((order, grid, bits))
        if entries:
            found.append((day, entries))
    return found


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
    return free_starts(
        service=service,
        start_date=start_date,
        end_date=end_date,
        practitioner=practitioner,
        window=window,
        min_depth_mm=min_depth_mm,
        now=now,
        enforce_notice=enforce_notice,
        exclude_appointment_id=exclude_appointment_id,
        ignore_appointments=ignore_appointments,
    ).slots()


def available_days(
    *,
    service: Service,
    start_date: dt.date,
    end_date: dt.date,
    practitioner: Practitioner | int | None = None,
    window: Window | None = None,
    min_depth_mm: Decimal | None = None,
    now: dt.datetime | None = None,
    exclude_appointment_id: int | None = None,
) -> list[DaySummary]:
    """Each local date of ``start_date``..``end_date``: the number of distinct free start times
    (any practitioner, or ``practitioner``'s) and the first one; the same rules as
    ``available_slots``, without making a datetime per slot."""
    found = free_starts(
        service=service,
        start_date=start_date,
        end_date=end_date,
        practitioner=practitioner,
        window=window,
        min_depth_mm=min_depth_mm,
        now=now,
        exclude_appointment_id=exclude_appointment_id,
    )
    return found.summaries(start_date, end_date)


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
