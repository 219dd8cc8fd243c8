"""The guided session's state machine, fed with IMU chunks as they arrive.

:class:`GuidedRun` runs a list of :class:`~kyphos.assess.protocol.Phase` (the assessment, or
an exercise programme turned into phases by :func:`program_phases`). Each chunk of samples goes
through the causal chain (the building blocks of
:class:`kyphos.processing.causal.CausalProcessor`: causal low-pass, VQF online) to orientation;
the phase logic then works on the current phase's samples only:

* ``still``: the phase ends after ``still_s`` of continuous stillness (|gyr| < 6 °/s and
  |‖acc‖ − g| < 0.6 m/s², the calibration's quiet rule); the first one sets the upright
  reference for the live angles;
* ``move``: :func:`kyphos.metrics.exercise.count_reps` runs on the phase's angles (a few
  thousand samples, vectorised) at most every ``UPDATE_S`` of data; the phase ends when
  ``repeats`` reps are complete, or after ``timeout_s``.

No key press is needed: start, peak and end of every movement are found from the angles. The
runner keeps every sample, so the session's numbers are computed offline at the end
(:func:`kyphos.assess.analysis.analyse`, zero-phase and with the heading calibrated from the
tilts) — live numbers are for feedback only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from kyphos.assess.analysis import PhaseWindow, Result, analyse
from kyphos.assess.program import Program
from kyphos.assess.protocol import Phase
from kyphos.metrics.exercise import Rep, Targets, find_movements, judge, pair_reps
from kyphos.metrics.rom import Repeat, movement_angles
from kyphos.processing.calibration import NOMINAL, QUIET_ACC, QUIET_GYR, G, frame_from_axes
from kyphos.processing.orientation import OnlineOrientation
from kyphos.processing.preprocess import IMU_CUTOFF_HZ, CausalLowpass

UPDATE_S = 0.1
#: Samples kept after the last phase ends, s: the offline pass needs the return to neutral
#: that the causal pass has already seen.
TAIL_S = 2.0


@dataclass
class Update:
    """Something the screen should show: ``kind`` is ``phase`` (a new prompt), ``rep`` (a rep
    finished, with its numbers and feedback), ``hint`` (live feedback during a rep), ``done``."""

    kind: str
    t_s: float
    phase: int
    text: str
    data: dict[str, Any] | None = None


def program_phases(program: Program) -> tuple[list[Phase], dict[int, Targets]]:
    """Phases for an exercise programme: a still neutral before each exercise (upright
    reference, in the exercise's posture), then the exercise's reps."""
    phases: list[Phase] = []
    targets: dict[int, Targets] = {}
    for i, ex in enumerate(program.exercises):
        where = "sit upright on a chair" if ex.posture == "sit" else "stand upright"
        phases.append(Phase(f"neutral_{i + 1}", "still", f"Exercise {i + 1}: {ex.name}. First "
                            f"{where} and keep still.", posture=ex.posture, still_s=3.0,
                            timeout_s=60.0 + ex.rest_s))
        extra = f" {ex.instructions}" if ex.instructions else ""
        hold = f", hold {ex.hold_s:g} s" if ex.hold_s else ""
        phases.append(Phase(ex.name, "move", f"{ex.name}: {ex.reps} reps{hold}.{extra}",
                            ex.movement, ex.reps, ex.posture,
                            timeout_s=max(120.0, ex.reps * (ex.hold_s + 20.0))))
        targets[len(phases) - 1] = ex.targets
    return phases, targets


class GuidedRun:
    """Run phases over incoming samples (see the module docstring).

    Args:
        phases: the protocol.
        fs: sample rate in Hz.
        targets: exercise targets per phase index (None for the assessment).
        on_update: called with each :class:`Update` as it happens.
    """

    def __init__(self, phases: list[Phase] | tuple[Phase, ...], fs: float,
                 targets: dict[int, Targets] | None = None,
                 on_update: Callable[[Update], None] | None = None) -> None:
        self.phases = list(phases)
        self.fs = float(fs)
        self.targets = targets or {}
        self.on_update = on_update
        self._acc_lp = CausalLowpass(fs, IMU_CUTOFF_HZ, 3)
        self._gyr_lp = CausalLowpass(fs, IMU_CUTOFF_HZ, 3)
        self._orient = OnlineOrientation(fs)
        self._t: list[np.ndarray] = []
        self._acc: list[np.ndarray] = []
        self._gyr: list[np.ndarray] = []
        self._q: list[np.ndarray] = []
        self._accf: list[np.ndarray] = []
        self._n = 0
        self.m = NOMINAL.copy()
        self.calibrated = False
        self.index = -1
        self.windows: list[PhaseWindow] = []
        self._phase_row = 0
        self._phase_t = 0.0
        self._still_run = 0.0
        self._moved = False
        self._next_update = -np.inf
        self._reps_seen = 0
        self._base = (0.0, 0.0)
        self._hint = ""
        self.updates: list[Update] = []
        self.done = False
        self._done_t = np.inf

    # -- input ------------------------------------------------------------------------------
    def feed(self, time: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> list[Update]:
        """Take a chunk: (n,) s, (n, 3) m/s², (n, 3) rad/s. Returns the updates it caused.

        A long chunk (a replay) is taken in pieces of ``UPDATE_S``, so the phases end where
        they would have live, whatever the chunk size."""
        start = len(self.updates)
        t = np.asarray(time, float)
        acc = np.asarray(acc, float).reshape(-1, 3)
        gyr = np.asarray(gyr, float).reshape(-1, 3)
        step = max(1, int(round(UPDATE_S * self.fs)))
        for i in range(0, len(t), step):  # one iteration per UPDATE_S of data
            if self.finished:
                break
            self._feed(t[i:i + step], acc[i:i + step], gyr[i:i + step])
        return self.updates[start:]

    @property
    def finished(self) -> bool:
        """Done, and ``TAIL_S`` of samples kept after the end (stop streaming now)."""
        return self.done and (not self._n or self._t[-1][-1] >= self._done_t + TAIL_S)

    def _feed(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
        if len(t) == 0:
            return
        if self.done:  # the tail: keep the samples for the offline pass, nothing else
            self._t.append(t)
            self._acc.append(acc)
            self._gyr.append(gyr)
            self._n += len(t)
            return
        af, gf = self._acc_lp(acc), self._gyr_lp(gyr)
        q = self._orient.update(gf, af)
        for buf, x in ((self._t, t), (self._acc, acc), (self._gyr, gyr), (self._q, q),
                       (self._accf, af)):
            buf.append(x)
        row0 = self._n
        self._n += len(t)
        if self.index < 0:
            self._begin(0, float(t[0]), row0)
        self._step(t, af, gf, row0)

    def _emit(self, u: Update) -> None:
        self.updates.append(u)
        if self.on_update is not None:
            self.on_update(u)

    def _begin(self, i: int, t_s: float, row: int) -> None:
        self.index = i
        self._phase_row = row
        self._phase_t = t_s
        self._still_run = 0.0
        self._moved = False
        self._reps_seen = 0
        self._hint = ""
        self._next_update = -np.inf
        ph = self.phases[i]
        self._emit(Update("phase", t_s, i, ph.prompt, {"name": ph.name, "kind": ph.kind}))

    def _end(self, t_s: float, row: int, timed_out: bool = False) -> None:
        ph = self.phases[self.index]
        tg = self.targets.get(self.index)
        self.windows.append(PhaseWindow(
            ph.name, ph.kind, self._phase_t, t_s, ph.direction,
            ph.repeats if ph.kind == "move" else 0, ph.posture, timed_out,
            None if tg is None else {"range_deg": list(tg.range_deg) if tg.range_deg else None,
                                     "hold_s": tg.hold_s, "tempo_out_s": tg.tempo_out_s,
                                     "tempo_back_s": tg.tempo_back_s}))
        if ph.kind == "still":
            self._set_reference(row)
        if self.index + 1 < len(self.phases):
            self._begin(self.index + 1, t_s, row)
        else:
            self.done = True
            self._done_t = float(self._t[-1][-1])
            self._emit(Update("done", t_s, self.index, "Finished — well done."))

    def _cat(self, buf: list[np.ndarray]) -> np.ndarray:
        if len(buf) > 1:
            buf[:] = [np.concatenate(buf)]
        return buf[0]

    def _set_reference(self, row: int) -> None:
        """Upright reference (first still phase) and neutral baseline from the last 2 s."""
        a = max(self._phase_row, row - int(2.0 * self.fs))
        if not self.calibrated:
            up = self._cat(self._accf)[a:row].mean(axis=0)
            self.m = frame_from_axes(up / np.linalg.norm(up))
            self.calibrated = True
        ang = movement_angles(self._cat(self._q)[a:row], self.m)
        self._base = (float(ang["flexion"].mean()), float(ang["lateral"].mean()))

    def _step(self, t: np.ndarray, af: np.ndarray, gf: np.ndarray, row0: int) -> None:
        ph = self.phases[self.index]
        if ph.kind == "still":
            quiet = (np.linalg.norm(gf, axis=1) < QUIET_GYR) & (
                np.abs(np.linalg.norm(af, axis=1) - G) < QUIET_ACC)
            if not quiet.all():
                self._moved = True
            if ph.needs_motion and not self._moved:
                return
            # length of the quiet run ending at each sample, continuing the previous chunk
            dt = 1.0 / self.fs
            run = self._still_run
            last_bad = np.flatnonzero(~quiet)
            if len(last_bad):
                run = (len(quiet) - 1 - last_bad[-1]) * dt
                first_bad = last_bad[0]
                if self._still_run + first_bad * dt >= ph.still_s:
                    k = int(round((ph.still_s - self._still_run) / dt))
                    self._end(float(t[max(0, k - 1)]), row0 + k)
                    return
            else:
                run += len(quiet) * dt
            if run >= ph.still_s:
                k = len(quiet) - int(round((run - ph.still_s) / dt))
                self._end(float(t[max(0, k - 1)]), row0 + k)
                return
            self._still_run = run
        else:
            if t[-1] < self._next_update:
                return
            self._next_update = t[-1] + UPDATE_S
            self._moves(ph, float(t[-1]))
        if not self.done and t[-1] - self._phase_t > ph.timeout_s:
            self._end(float(t[-1]), self._n, timed_out=True)

    def _angles(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        r = self._phase_row
        tt = self._cat(self._t)[r:]
        ang = movement_angles(self._cat(self._q)[r:], self.m)
        ang["flexion"] -= self._base[0]
        ang["lateral"] -= self._base[1]
        return tt, ang

    def _moves(self, ph: Phase, t_now: float) -> None:
        assert ph.direction is not None
        tt, ang = self._angles()
        if len(tt) < 3:
            return
        tg = self.targets.get(self.index, Targets())
        # one search per update: the complete movements make the reps, an open one the hint
        found = find_movements(tt, ang, self.fs, ph.direction, final=False)
        reps = [judge(r, ph.direction, tg) for r in pair_reps(ph.direction, found)]
        for rep in reps[self._reps_seen:]:
            self._reps_seen += 1
            self._emit(self._rep_update(rep, ph))
            if self._reps_seen >= ph.repeats:  # the last one is back below OFF_DEG: end now
                self._end(float(tt[-1]), self._phase_row + len(tt))
                return
        self._live_hint([r for _d, r in found if not r.complete], tg, t_now)

    def _rep_update(self, rep: Rep, ph: Phase) -> Update:
        rng = " / ".join(f"{p.rom_deg:.0f}°" for p in rep.parts)
        hold = min(p.hold_s for p in rep.parts)
        fb = "; ".join(rep.feedback) if rep.feedback else "good"
        text = f"{ph.name} {rep.index + 1}/{ph.repeats}: {rng}, held {hold:.1f} s — {fb}"
        return Update("rep", rep.end_s, self.index, text, rep.to_dict())

    def _live_hint(self, open_: list[Repeat], tg: Targets, t_now: float) -> None:
        """Feedback while a movement (``open_``: not back yet) is out: go further / hold N s /
        slower / come back."""
        hint = ""
        if open_:
            r = open_[-1]
            want = tg.range_deg[0] if tg.range_deg else None
            if tg.tempo_out_s and r.peak_speed_dps * tg.tempo_out_s > 2.5 * max(r.peak_deg, 1):
                hint = "slower"
            elif want and r.peak_deg < 0.9 * want:
                hint = f"go further ({r.peak_deg:.0f}° of {want:g}°)"
            elif tg.hold_s and t_now - r.hold_start_s < tg.hold_s:
                hint = f"hold {max(0.0, tg.hold_s - (t_now - r.hold_start_s)):.0f} s"
            else:
                hint = "and back"
        if hint and hint != self._hint:
            self._emit(Update("hint", t_now, self.index, hint))
        self._hint = hint

    # -- output ------------------------------------------------------------------------------
    def finish(self) -> None:
        """Close the current phase (the stream ended early)."""
        if not self.done and self.index >= 0 and self._n:
            t_end = float(self._cat(self._t)[-1])
            ph = self.phases[self.index]
            if ph.kind == "move":
                self._moves(ph, t_end)
            if not self.done:
                self._end(t_end, self._n, timed_out=True)

    @property
    def samples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All samples so far: time (s), acc (m/s²), gyr (rad/s)."""
        if not self._n:
            return np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3))
        return self._cat(self._t), self._cat(self._acc), self._cat(self._gyr)

    def result(self) -> Result:
        """The session's numbers from the offline chain (see the module docstring)."""
        t, a, g = self.samples
        return analyse(t, a, g, self.fs, self.windows)
