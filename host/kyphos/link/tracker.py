"""Per-epoch bookkeeping of the data sequence: unwrap, duplicates, gaps, and time unwrapping.

An *epoch* is one boot of the board: its data ``seq`` starts at 0 and its ``t_us`` clock at
boot. Within an epoch the tracker keeps the highest unwrapped seq seen and the list of gaps
(half-open ranges of unwrapped seq that were skipped). A frame is new if it is past the high
water mark or inside a gap (then the gap shrinks); anything else is a duplicate. Gaps remember
the device time just before and after them, so frames back-filled from the flash log can be
checked by time as well as by seq (a log from another boot has the same seq numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kyphos.link.timesync import ClockFit, unwrap_t_us

_SEQ_MOD = 1 << 16


@dataclass
class Gap:
    first: int  # unwrapped seq of the first missing frame
    end: int  # one past the last missing frame (None-like: -1 while open at the epoch's end)
    t_before: int  # unwrapped device µs of the frame before the gap
    t_after: int | None  # unwrapped device µs of the frame after it (None: not seen yet)

    @property
    def size(self) -> int:
        return self.end - self.first


@dataclass
class Epoch:
    index: int
    high: int | None = None  # highest unwrapped seq seen
    high_u16: int = 0
    last_t: int | None = None  # unwrapped t_us of the latest data frame
    first_seq: int | None = None
    gaps: list[Gap] = field(default_factory=list)
    clock: ClockFit = field(default_factory=ClockFit)
    frames: int = 0
    duplicates: int = 0
    start_at: int | None = None  # after a reboot: seq 0 onwards belongs to the recording


    def unwrap_seq(self, seq: int) -> int:
        if self.high is None:
            return seq
        d = (seq - self.high_u16 + _SEQ_MOD // 2) % _SEQ_MOD - _SEQ_MOD // 2
        return self.high + d

    def unwrap_t(self, t_us: int) -> int:
        return unwrap_t_us(self.last_t, t_us)

    def accept(self, seq: int, t_us: int) -> tuple[bool, int, int]:
        """Record a live data frame; returns (new, unwrapped seq, unwrapped t_us)."""
        s = self.unwrap_seq(seq)
        t = self.unwrap_t(t_us)
        if self.high is None:
            self.high, self.high_u16, self.last_t, self.first_seq = s, seq, t, s
            if self.start_at is not None and s > self.start_at:
                self.gaps.append(Gap(self.start_at, s, 0, t))
                self.first_seq = self.start_at
            self.frames += 1
            return True, s, t
        if s > self.high:
            if s > self.high + 1:
                self.gaps.append(Gap(self.high + 1, s, self.last_t or 0, t))
            self.high, self.high_u16, self.last_t = s, seq, t
            self.frames += 1
            return True, s, t
        if self.fill(s):
            self.frames += 1
            return True, s, t
        self.duplicates += 1
        return False, s, t

    def fill(self, s: int) -> bool:
        """Take ``s`` out of a gap; False if it is not missing (a duplicate)."""
        for i, g in enumerate(self.gaps):
            if g.first <= s < g.end:
                if g.size == 1:
                    del self.gaps[i]
                elif s == g.first:
                    g.first += 1
                elif s == g.end - 1:
                    g.end -= 1
                else:
                    self.gaps.insert(i + 1, Gap(s + 1, g.end, g.t_before, g.t_after))
                    g.end = s
                return True
        return False

    def missing(self) -> int:
        return sum(g.size for g in self.gaps)

    def expected(self) -> int:
        if self.high is None or self.first_seq is None:
            return 0
        return self.high - self.first_seq + 1
