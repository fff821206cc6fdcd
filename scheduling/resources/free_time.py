"""Integer interval arithmetic under the availability engine (no Django, no datetimes).

Times are whole minutes since the Unix epoch. A daylight-saving day is then simply 23 or 25
hours long; local wall-clock time is used only to place the candidate starts of a working
interval (``Grid``) and to print them.

A busy interval ``[b, e)`` (an appointment with its buffer, time off) forbids every start ``s``
whose blocked range ``[s, s + blocked)`` meets it: ``b - blocked < s < e``, so the half-open
range of starts ``[b - blocked + 1, e)``. Forbidden ranges are merged once per query; a
practitioner's free starts in a working interval are then the grid's bits minus the bits of
her forbidden ranges and of the ranges where every room is forbidden (bitmaps at the step,
held in Python integers: AND, OR and ``bit_count`` run in C).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class Ranges:
    """Sorted, merged, disjoint half-open ranges ``[start, end)`` of integers."""

    __slots__ = ("ends", "starts")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts = starts
        self.ends = ends

    @classmethod
    def merged(cls, ranges: Iterable[tuple[int, int]]) -> Ranges:
        starts: list[int] = []
        ends: list[int] = []
        for s, e in sorted(ranges):
            if e <= s:
                continue
            if ends and s <= ends[-1]:
                if e > ends[-1]:
                    ends[-1] = e
            else:
                starts.append(s)
                ends.append(e)
        return cls(starts, ends)

    def intersection(self, other: Ranges) -> Ranges:
        """The integers in both (two sorted walks)."""
        starts: list[int] = []
        ends: list[int] = []
        i = j = 0
        a_s, a_e, b_s, b_e = self.starts, self.ends, other.starts, other.ends
        while i < len(a_s) and j < len(b_s):
            lo = a_s[i] if a_s[i] > b_s[j] else b_s[j]
            hi = a_e[i] if a_e[i] < b_e[j] else b_e[j]
            if lo < hi:
                starts.append(lo)
                ends.append(hi)
            if a_e[i] < b_e[j]:
                i += 1
            else:
                j += 1
        return Ranges(starts, ends)

    def contains(self, value: int) -> bool:
        i = bisect_right(self.ends, value)
        return i < len(self.starts) and self.starts[i] <= value


def forbidden_starts(busy: Iterable[tuple[int, int]], blocked: int) -> Ranges:
    """The starts a blocked range of ``blocked`` minutes may not take, given busy ``[b, e)``."""
    return Ranges.merged((b - blocked + 1, e) for b, e in busy)


NOTHING = Ranges([], [])


class Grid:
    """The candidate starts of one working interval on one local date, as bit positions.

    Usually an arithmetic run ``base + i * step`` (``i < size``); across a daylight-saving change
    inside the interval, an explicit sorted list of instants (``points``).
    """

    __slots__ = ("base", "clock0", "full", "points", "size", "step")

    def __init__(self, *, base: int, step: int, size: int, clock0: int, points: list[int] | None = None) -> None:
        self.base = base
        self.step = step
        self.size = size
        self.clock0 = clock0  # local wall-clock minute of bit 0 (arithmetic runs only)
        self.points = points
        self.full = (1 << size) - 1

    def instant(self, bit: int) -> int:
        return self.points[bit] if self.points is not None else self.base + bit * self.step

    def last_end(self, duration: int) -> int:
        """The minute the last candidate's session (``duration``) ends: inside the interval."""
        return self.instant(self.size - 1) + duration

    def from_bit(self, earliest: int) -> int:
        """The first bit at or after minute ``earliest``."""
        if self.points is not None:
            return bisect_left(self.points, earliest)
        if earliest <= self.base:
            return 0
        return min(self.size, -((self.base - earliest) // self.step))

    def mask(self, ranges: Ranges) -> int:
        """The bits whose instants lie inside ``ranges``."""
        if not self.size or not ranges.starts:
            return 0
        if self.points is not None:
            return sum(1 << n for n, p in enumerate(self.points) if ranges.contains(p))
        base, step, size = self.base, self.step, self.size
        last = base + (size - 1) * step
        starts, ends = ranges.starts, ranges.ends
        i = bisect_right(ends, base)
        bits = 0
        while i < len(starts) and starts[i] <= last:
            lo = -((base - starts[i]) // step) if starts[i] > base else 0
            hi = -((base - ends[i]) // step)
            if hi > size:
                hi = size
            if lo < hi:
                bits |= ((1 << hi) - 1) ^ ((1 << lo) - 1)
            i += 1
        return bits


# The set bits of each byte value, lowest first: ``bits_of`` reads a mask a byte at a time.
_BYTE_BITS = [[n for n in range(8) if value >> n & 1] for value in range(256)]


def bits_of(mask: int) -> list[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    found: list[int] = []
    shift = 0
    while mask:
        byte = mask & 255
        if byte:
            found += [shift + n for n in _BYTE_BITS[byte]] if shift else _BYTE_BITS[byte]
        mask >>= 8
        shift += 8
    return found
