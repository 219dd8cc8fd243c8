"""The analysis chain in causal form, chunk by chunk, for the live view.

Same code as offline, causal variants: stateful ``sosfilt`` low-pass instead of ``sosfiltfilt``,
VQF online instead of offline, backward differences for velocities, and the accelerometer's
offset estimated from the still postures seen so far (:class:`LiveAccBias`: the offline
analysis's estimator, :func:`kyphos.processing.calibration.fit_acc_bias`, fed causally) instead
of from the whole recording. The agreement with the offline path on the same data is tested
(tests/test_processing_causal_agrees_with_offline.py, tests/test_live_acc_bias.py) and
documented in docs/accuracy.md (section 3) and docs/live-view.md.

    proc = CausalProcessor(fs=104.0, calibration=cal, acc_bias="live")
    for t, acc, gyr, haptic in chunks:
        angles = proc.process_chunk(t, acc, gyr, haptic)   # Angles for these samples
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from kyphos.processing import calibration as cal
from kyphos.processing import clipslip as cs
from kyphos.processing import params as P
from kyphos.processing.angles import Angles, CausalAngles
from kyphos.processing.calibration import NOMINAL, Calibration
from kyphos.processing.orientation import OnlineOrientation
from kyphos.processing.preprocess import IMU_CUTOFF_HZ, CausalLowpass

#: :class:`LiveAccBias`: the still postures kept for the fit (a day at 104 Hz has thousands;
#: a new one replaces the oldest of those that repeat another's direction within
#: ``BIAS_SAME_DEG``, or the oldest when none does). Own choice: 256 postures cover hours of
#: everyday wear and fit in well under a millisecond.
BIAS_POSTURES = 256
BIAS_SAME_DEG = 5.0
#: The causal still test's filters (2 Hz gyro level, 1 Hz ripple of 1 Hz-low-passed acc) lag
#: the zero-phase ones offline by their group delay (2nd-order Butterworth at DC:
#: √2 / (2π f_c) = 0.11 s at 2 Hz, 0.23 s at 1 Hz, the ripple path twice): the end of a still
#: period is trimmed by this much more than its start, so the motion that ended it stays out.
BIAS_LAG_S = 0.5


class LiveAccBias:
    """The accelerometer's offset, estimated causally from the still postures seen so far.

    The offline analysis (:func:`kyphos.processing.calibration.estimate_acc_bias`) fits the
    offset to every still posture of the whole recording. Live, the same still test runs on
    each incoming block with causal filters (:class:`CausalLowpass`): a still period of at
    least ``BIAS_MIN_S`` + 1 s, its first 0.5 s and its last 0.5 s + ``BIAS_LAG_S`` left out
    (settling, and the causal filters' lag), gives one posture mean the moment it ends. The
    postures go into a bounded buffer (``BIAS_POSTURES``) and the same sphere fit with the same
    priors (:func:`~kyphos.processing.calibration.fit_acc_bias`) runs again on each new one.
    Work per block is vectorised (filters, cumulative sums); the Python loop runs per edge of a
    still period (a few a minute).

    A new estimate takes effect at the next still row, not when the fit is made (the moment a
    still period ends, i.e. as the wearer starts to move): the live height track integrates the
    vertical acceleration, and a step of a few mg in the middle of a movement read as a sit-down
    (on validation seeds 0–29 it turned 7 lifts into seated reaches before this rule).

    Attributes:
        bias: (3,) m/s², sensor frame: what to subtract now (zeros until two postures were
            seen, or while the estimate is under ``BIAS_MIN_APPLY``; ``initial`` until then
            when given).
        fit: the last :class:`~kyphos.processing.calibration.AccBias` (None before any).
        version: bumped whenever ``bias`` changes.
        switch_row: the row of the last block from which ``bias`` holds (the rows before it
            had ``previous``); None when it did not change in that block.
    """

    def __init__(self, fs: float, initial: np.ndarray | None = None,
                 capacity: int = BIAS_POSTURES) -> None:
        self.fs = float(fs)
        self._turn_lp = CausalLowpass(fs, 2.0, 1)
        self._acc_lp = CausalLowpass(fs, 1.0, 3)
        self._rip_lp = CausalLowpass(fs, 1.0, 1)
        self._up = np.zeros(3)  # the last row's low-passed specific force, as a unit vector
        self._min_len = int(round((cal.BIAS_MIN_S + 1.0) * fs))
        self._trim0 = int(0.5 * fs)
        self._trim1 = int(0.5 * fs) + int(round(BIAS_LAG_S * fs))
        self._n = 0  # samples seen
        self._tail = np.zeros((self._trim1 + 1, 3))  # running sums at the last rows seen
        self._still = False  # the last row's still flag
        self._run: int | None = None  # start row of the current still period
        self._run_sum: np.ndarray | None = None  # running sum at run start + trim0
        self._means = np.zeros((capacity, 3))
        self._dur = np.zeros(capacity)
        self._order = np.zeros(capacity, np.int64)  # arrival number of each kept posture
        self.postures = 0  # postures seen
        self.initial = None if initial is None else np.asarray(initial, float).copy()
        self.bias = np.zeros(3) if self.initial is None else self.initial.copy()
        self.fit: cal.AccBias | None = None
        self.version = 0
        self._pending: np.ndarray | None = None  # a new estimate, waiting for a still row
        self.previous = self.bias.copy()
        self.switch_row: int | None = None

    @property
    def pending(self) -> np.ndarray | None:
        """A new estimate waiting for the next still row (None: none)."""
        return self._pending

    @property
    def kept(self) -> int:
        """Postures in the buffer."""
        return min(self.postures, len(self._dur))

    def update(self, acc: np.ndarray, gyr: np.ndarray, masked: np.ndarray | None = None) -> bool:
        """Take a block of (n, 3) acc [m/s², offset not removed] and gyr [rad/s]; rows that are
        masked, zero or not finite are never still. Returns True when ``bias`` changed (from
        row ``switch_row`` of this block on)."""
        acc = np.asarray(acc, float).reshape(-1, 3)
        gyr = np.asarray(gyr, float).reshape(-1, 3)
        m = len(acc)
        self.switch_row = None
        if m == 0:
            return False
        ok = np.all(np.isfinite(acc), axis=1) & np.any(acc != 0, axis=1) \
            & np.all(np.isfinite(gyr), axis=1)
        if masked is not None:
            ok &= ~np.asarray(masked, bool)
        a = np.where(ok[:, None], acc, 0.0)
        # the still test of calibration.still_spans (rotation from gravity's turn rate, not the
        # gyro's level, which holds the gyro's own offset), with causal filters
        a_lp = self._acc_lp(a)
        u = cal.directions(a_lp)
        prev = np.vstack([self._up if self._n else u[:1], u[:-1]])
        self._up = u[-1].copy()
        gn = self._turn_lp(np.linalg.norm(u - prev, axis=1) * self.fs)[:, 0]
        d = a - a_lp
        ripple = np.sqrt(self._rip_lp(np.einsum("ij,ij->i", d, d)).clip(0))[:, 0]
        still = ok & (gn < cal.BIAS_QUIET_GYR) & (ripple < cal.BIAS_QUIET_ACC)
        # running sums of acc: csum[k] = sum of the rows before row n0 - trim1 - 1 + k
        n0 = self._n
        csum = np.vstack([self._tail, self._tail[-1] + np.cumsum(a, axis=0)])
        base = n0 - len(self._tail) + 1  # row index that csum[0] is the sum before

        def sum_before(i: int) -> np.ndarray:
            return csum[i - base]

        edges = np.flatnonzero(np.diff(np.r_[self._still, still].astype(np.int8)))
        for j in edges:  # per start or end of a still period
            i = n0 + int(j)
            if still[j]:
                self._run, self._run_sum = i, None
                continue
            if self._run is not None and self._run_sum is None \
                    and self._run + self._trim0 <= n0 + m:
                self._run_sum = sum_before(self._run + self._trim0).copy()
            if self._run is not None and self._run_sum is not None and i - self._run >= self._min_len:
                b = i - self._trim1
                k = b - (self._run + self._trim0)
                self._add((sum_before(b) - self._run_sum) / k, k / self.fs)
            self._run, self._run_sum = None, None
        if self._run is not None and self._run_sum is None and self._run + self._trim0 <= n0 + m:
            self._run_sum = sum_before(self._run + self._trim0).copy()
        self._still = bool(still[-1])
        changed = False
        if self._pending is not None:  # a new estimate: from the block's first still row on
            rows = np.flatnonzero(still)
            if len(rows):
                self.previous, self.bias = self.bias, self._pending
                self._pending = None
                self.switch_row = int(rows[0])
                self.version += 1
                changed = True
        self._n = n0 + m
        self._tail = csum[-len(self._tail):].copy()
        return changed

    def _add(self, mean: np.ndarray, dur: float) -> None:
        """Keep one posture's mean and re-fit; a changed estimate waits for a still row."""
        cap = len(self._dur)
        if self.postures < cap:
            slot = self.postures
        else:  # full: the oldest posture that repeats another's direction, else the oldest
            u = self._means / np.linalg.norm(self._means, axis=1, keepdims=True)
            near = (u @ u.T) > np.cos(np.radians(BIAS_SAME_DEG))
            np.fill_diagonal(near, False)
            rep = np.flatnonzero(near.any(axis=1))
            pool = rep if len(rep) else np.arange(cap)
            slot = int(pool[np.argmin(self._order[pool])])
        self._means[slot], self._dur[slot], self._order[slot] = mean, dur, self.postures
        self.postures += 1
        k = self.kept
        if k < 2:
            return
        self.fit = cal.fit_acc_bias(self._means[:k], self._dur[:k])
        new = (self.fit.bias.copy() if np.linalg.norm(self.fit.bias) >= cal.BIAS_MIN_APPLY
               else np.zeros(3))
        self._pending = None if np.array_equal(new, self.bias) else new


class CausalProcessor:
    """Stateful causal processor: raw IMU chunks in, trunk angles out (same rows).

    Args:
        fs: sample rate in Hz (chunks must be on this uniform grid).
        calibration: a :class:`Calibration` or a (3, 3) sensor-from-body matrix; nominal
            mounting when None. :meth:`set_calibration` changes it on the fly.
        imu_cutoff_hz: causal low-pass on acc and gyr (None: off).
        vqf_params: VQF parameter overrides.
        acc_bias: the accelerometer offset to remove before the orientation filter: None (none),
            a (3,) vector in m/s² (fixed, e.g. an earlier calibration's ``acc_bias``), or
            ``"live"``: estimated from the still postures seen so far (:class:`LiveAccBias`;
            ``acc_bias_initial`` until it has two). ``calibration`` holding an ``acc_bias``
            (a :class:`Calibration` from an earlier analysis) gives the initial value.
    """

    def __init__(
        self,
        fs: float,
        calibration: Calibration | np.ndarray | None = None,
        *,
        imu_cutoff_hz: float | None = IMU_CUTOFF_HZ,
        vqf_params: dict[str, Any] | None = None,
        acc_bias: str | np.ndarray | None = None,
        acc_bias_initial: np.ndarray | None = None,
    ) -> None:
        self.fs = fs
        self._acc_lp = CausalLowpass(fs, imu_cutoff_hz, 3) if imu_cutoff_hz else None
        self._gyr_lp = CausalLowpass(fs, imu_cutoff_hz, 3) if imu_cutoff_hz else None
        self._orient = OnlineOrientation(fs, vqf_params)
        self._m_cal = self._matrix(calibration)  # the calibration, before any slip turn
        #: body-frame correction after clip slips seen live (:class:`LiveClipSlip`): the
        #: mounting in use is ``calibration · turnᵀ`` (identity: none)
        self.turn = np.eye(3)
        self._angles = CausalAngles(self._m_cal, fs)
        self.last_quat: np.ndarray = np.array([1.0, 0.0, 0.0, 0.0])
        self._last_good = np.array([[0.0, 0.0, 9.81]])  # before any good sample: a guess
        # an upright taken live (set_calibration(..., upright_raw=)): re-derived with the offset
        self._upright: tuple[np.ndarray, np.ndarray | None] | None = None
        if acc_bias_initial is None and isinstance(calibration, Calibration) \
                and np.linalg.norm(calibration.acc_bias) >= cal.BIAS_MIN_APPLY:
            acc_bias_initial = calibration.acc_bias
        self.bias_estimator: LiveAccBias | None = None
        self._fixed_bias = np.zeros(3)
        if isinstance(acc_bias, str):
            if acc_bias != "live":
                raise ValueError(f"acc_bias {acc_bias!r}: use 'live', a vector or None")
            self.bias_estimator = LiveAccBias(fs, acc_bias_initial)
        elif acc_bias is not None:
            self._fixed_bias = np.asarray(acc_bias, float).reshape(3).copy()
        #: the offset removed from the last block: (3,), or (n, 3) when it changed inside it
        self.block_bias: np.ndarray = self.acc_bias
        #: device time of the first block with the live estimate's first fit in effect (None:
        #: not yet)
        self.bias_since_s: float | None = None

    @property
    def acc_bias(self) -> np.ndarray:
        """The offset (m/s², sensor frame) removed from the samples now."""
        est = self.bias_estimator
        return est.bias if est is not None else self._fixed_bias

    @staticmethod
    def _matrix(calibration: Calibration | np.ndarray | None) -> np.ndarray:
        if calibration is None:
            return NOMINAL.copy()
        if isinstance(calibration, Calibration):
            return calibration.sensor_from_body
        return np.asarray(calibration, float)

    @property
    def sensor_from_body(self) -> np.ndarray:
        """The (3, 3) sensor-from-body mounting in use (the calibration, turned by any clip
        slip re-referenced live)."""
        return self._angles.m

    @property
    def calibration_matrix(self) -> np.ndarray:
        """The (3, 3) sensor-from-body calibration without the clip-slip turn."""
        return self._m_cal

    def set_turn(self, turn: np.ndarray) -> None:
        """Re-reference from the next chunk on: the mounting becomes ``calibration · turnᵀ``
        (``turn``: (3, 3) body-frame correction, :attr:`LiveClipSlip.turn`). The angle
        filters' state is moved by the change the new mounting makes at the last orientation,
        so the step does not read as a flexion velocity (a spike of ~100°/s through the 5 Hz
        filter, which the lift detector would take for a bend's onset)."""
        self.turn = np.asarray(turn, float).copy()
        self._angles.remount(self._m_cal @ self.turn.T, self.last_quat)

    def set_calibration(self, calibration: Calibration | np.ndarray,
                        upright_raw: np.ndarray | None = None,
                        left: np.ndarray | None = None) -> None:
        """Use a new sensor-to-body calibration from the next chunk on.

        ``upright_raw``: the mean specific force of the upright window the calibration was
        taken from, offset not removed; the upright is then re-derived
        (``frame_from_axes(upright_raw − acc_bias, left)``) whenever the offset estimate
        changes, as the offline analysis takes its upright from samples with the offset
        removed."""
        self._upright = None if upright_raw is None else (
            np.asarray(upright_raw, float).copy(), None if left is None else np.asarray(left, float))
        self._m_cal = self._matrix(calibration)
        self._angles.m = self._m_cal @ self.turn.T
        self._rederive()

    def _rederive(self) -> None:
        if self._upright is not None:
            up, left = self._upright
            self._m_cal = cal.frame_from_axes(up - self.acc_bias, left)
            self._angles.m = self._m_cal @ self.turn.T

    def process_chunk(
        self,
        time: np.ndarray,
        acc: np.ndarray,
        gyr: np.ndarray,
        haptic: np.ndarray | None = None,
    ) -> Angles:
        """Angles for a chunk of (n,) times [s], (n, 3) acc [m/s²], (n, 3) gyr [rad/s].

        ``haptic`` (n,) marks samples taken while the vibration motor ran: their acc is ignored
        by the orientation filter (gyro-only propagation).
        """
        acc = np.asarray(acc, float).reshape(-1, 3)
        gyr = np.asarray(gyr, float).reshape(-1, 3)
        masked = np.zeros(len(acc), bool) if haptic is None else np.asarray(haptic, bool)
        est = self.bias_estimator
        if est is not None:
            if est.update(acc, gyr, masked):
                self._rederive()
            if self.bias_since_s is None and est.fit is not None and est.pending is None \
                    and len(acc):
                self.bias_since_s = float(np.asarray(time, float)[0])
        b = self.acc_bias
        if est is not None and est.switch_row is not None and est.switch_row > 0:
            # the estimate changed inside this block: the rows before keep the previous one
            b = np.where((np.arange(len(acc)) < est.switch_row)[:, None], est.previous, b)
        self.block_bias = b
        if np.any(b != 0):
            acc = acc - b  # masked rows too: they are held or zeroed below
        if np.any(masked):
            # hold the last good sample through the vibration so it does not enter the
            # filter's state, then hide those rows from VQF (zero acc = skipped)
            idx = np.where(~masked, np.arange(len(acc)), -1)
            idx = np.maximum.accumulate(idx)
            held = np.vstack([self._last_good, acc])[idx + 1]
            acc = held
        if len(acc) and not masked[-1]:
            self._last_good = acc[-1:].copy()
        if self._acc_lp is not None and self._gyr_lp is not None:
            acc = self._acc_lp(acc)
            gyr = self._gyr_lp(gyr)
        if np.any(masked):
            acc = acc.copy()
            acc[masked] = 0.0
        q = self._orient.update(gyr, acc)
        if len(q):
            self.last_quat = q[-1]
        out = self._angles(np.asarray(time, float), q)
        out.masked = masked
        return out


class LiveReReference:
    """A clip slip re-referenced live: ``t_s`` where it was placed, ``detected_s`` when it was
    seen (the mounting changed from then on; device s), ``deg`` the correction, ``why`` the
    postures that showed it, ``turn`` the body-frame correction in force after it."""

    def __init__(self, t_s: float, deg: float, why: str, detected_s: float,
                 turn: np.ndarray) -> None:
        self.t_s, self.deg, self.why, self.detected_s = t_s, deg, why, detected_s
        self.turn = turn
        #: when the quiet stands seen since sided with the old mounting and it was undone
        self.withdrawn_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """As the report's ``re_references`` entries, with the detection time (and
        ``withdrawn_s`` when it was undone)."""
        d = {"t_s": round(self.t_s, 3), "deg": round(self.deg, 2), "why": self.why,
             "detected_s": round(self.detected_s, 3)}
        if self.withdrawn_s is not None:
            d["withdrawn_s"] = round(self.withdrawn_s, 3)
        return d

    @property
    def message(self) -> str:
        """What the wearer is told."""
        return f"clip moved {self.deg:.0f}°, re-referenced"


class LiveClipSlip:
    """Clip slips found causally, from the reference postures seen so far.

    The offline rule (:func:`kyphos.processing.clipslip.find_slips`: each candidate judged by
    the same :func:`~kyphos.processing.clipslip.confirm_slip`), run as each walk or still posture ends (:meth:`add`; ``up`` in the sensor
    frame, ``i0``/``i1`` rows on one running count): a reference that deviates from its kind's
    baseline by more than ``SLIP_MIN_DEG`` (at most ``SLIP_MAX_DEG``) is a slip once the next
    walk or quiet stand deviates by the same rotation (``SLIP_AGREE_DEG``), and the quiet
    stands seen since do not say otherwise. It is placed as offline
    (:func:`~kyphos.processing.clipslip.place_slip`) over the postures seen so far and, given
    the recent samples (:meth:`add`'s ``motion``), by the slip's own turn; the live
    view re-references from the moment it is confirmed (what was shown before is not changed). As
    the quiet stands after it come in, the correction is refined as offline
    (:func:`~kyphos.processing.clipslip.refine_mountings`). Not done live (it needs the whole
    recording): re-referencing the stretch before the first slip when the calibration's
    upright turns out to be the slipped one.

    Attributes:
        turn: (3, 3) body-frame correction in force: mounting = calibration · turnᵀ.
        re_references: every re-reference so far (kept across :meth:`reset`).
    """

    def __init__(self, fs: float) -> None:
        self.fs = float(fs)
        self.re_references: list[LiveReReference] = []
        self.reset()

    def reset(self) -> None:
        """A new upright reference (the wearer pressed ``c``): start over from it. Quiet
        standing's baseline is the calibrated upright until the first quiet stand within
        ``SLIP_MIN_DEG`` of it takes its place (offline: the first quiet stand, which is the
        calibration's own; live the first one after ``c`` may be a held lean, and every upright
        stand after it then read as a slip: validation seed 6, 24° at 61 s)."""
        self.turn = np.eye(3)
        self._refs: list[cs.RefPosture] = []
        self._probes: list[cs.RefPosture] = []
        self._i = 0  # the next reference to judge
        self._base: dict[str, np.ndarray] = {"standing": cs.UPRIGHT.copy()}
        self._stand_seen = False  # a quiet stand has replaced the calibrated upright
        self._floor = 0
        self._slip: tuple[int, np.ndarray] | None = None  # last slip's row, unrefined turn
        #: the last re-reference while it can still be undone: it, its candidate's index in
        #: the references, the turn before it, its correction, and ``_slip`` before it
        self._open: tuple[LiveReReference, int, np.ndarray, np.ndarray,
                          tuple[int, np.ndarray] | None] | None = None

    def recalibrated(self, old: np.ndarray, new: np.ndarray) -> None:
        """The calibration changed without a new upright (the sagittal axis from the guided
        bend): the baselines, in body coordinates, follow it."""
        d = new.T @ old
        self._base = {k: d @ b for k, b in self._base.items()}

    def add(self, post: cs.RefPosture, calibration: np.ndarray, now_s: float,
            motion: cs.Motion | None = None, still: Callable[[], np.ndarray] | None = None
            ) -> LiveReReference | None:
        """Take a walk or still posture that has just ended (≥ ``PROBE_MIN_S``); returns a new
        re-reference when it confirms a slip. ``calibration``: the sensor-from-body matrix
        before any turn; ``now_s``: device time now. ``motion``: the recent rows' gyro and
        specific force (as offline's :data:`~kyphos.processing.clipslip.Motion`, rows on the
        postures' running count; NaN where no longer held) and ``still``: the still flag of
        every row so far (False where not known), asked for only when a slip is placed: with
        them the slip is placed by its own turn as offline
        (:func:`~kyphos.processing.clipslip.place_slip`'s ``motion``)."""
        self._probes.append(post)
        if not cs.is_reference(post, self.fs):
            return None  # a probe only (places slips), as offline
        self._refs.append(post)
        new = self._judge(calibration, now_s, motion, still)
        if new is None:
            self._recheck(calibration, now_s)
        self._refine(calibration)
        return new

    def _recheck(self, m_cal: np.ndarray, now_s: float) -> None:
        """Undo the last re-reference when the quiet stands seen since its candidate side with
        the old mounting after all (:func:`~kyphos.processing.clipslip.later_stands_keep`,
        the report's test, which sees the whole recording: live it is run again as each
        reference comes in). Validation seed 0 at 208 Hz: two stands 5.9° off around a lying
        period were re-referenced; the report rejects them with the stands after."""
        if self._open is None or "standing" not in self._base:
            return
        rr, i, turn0, q, slip0 = self._open
        if not cs.later_stands_keep(self._refs[i + 1:], m_cal @ turn0.T, q, self._base):
            return
        rr.withdrawn_s = now_s
        self.turn, self._slip, self._open = turn0.copy(), slip0, None

    def _judge(self, m_cal: np.ndarray, now_s: float, motion: cs.Motion | None = None,
               still_of: Callable[[], np.ndarray] | None = None) -> LiveReReference | None:
        """The offline loop over the references not judged yet, as far as what has been seen
        decides them (a candidate waits for the next walk or quiet stand)."""
        refs, base = self._refs, self._base
        new: LiveReReference | None = None
        while self._i < len(refs):  # per reference not judged yet (one or two)
            i = self._i
            r = refs[i]
            m = m_cal @ self.turn.T
            b = m.T @ r.up
            if r.kind not in cs.REF_KINDS:
                self._i += 1
                continue
            if r.kind == "standing" and not self._stand_seen \
                    and cs.angle_deg(b, base["standing"]) <= P.SLIP_MIN_DEG:
                base[r.kind] = b
                self._stand_seen = True
                self._i += 1
                continue
            if r.kind not in base:
                if "standing" in base and not any(
                        x.kind == "standing"
                        and cs.angle_deg(m.T @ x.up, base["standing"]) <= P.SLIP_MAX_DEG
                        for x in refs[i + 1:]):
                    # a first walk or sitting: the quiet stand after it decides, as offline
                    # (stands_agree skips held bends), however many sits come first: deciding
                    # without it took a walk the clip slipped in for the walking baseline, and
                    # the next upright walk for a slip (development seed 10007 at 104 Hz: a
                    # false 9° re-reference at 435 s after 4 sits and a lie)
                    break
                if cs.stands_agree(refs, i, m, base):
                    base[r.kind] = b
                self._i += 1
                continue
            slip = cs.confirm_slip(r, refs[i + 1:], m, base)
            if slip is not None and slip[2] is None \
                    and any(k in base for k in cs.CONFIRM_KINDS):
                break  # wait for the next walk or quiet stand
            self._i += 1
            nxt = None if slip is None else slip[2]
            if slip is None or nxt is None:
                continue  # no slip, or no baseline that could confirm it (offline too)
            dev, q, _ = slip
            m_new = m @ q.T
            j = self._place(r, nxt, i, m, m_new, motion, still_of)
            turn0, slip0 = self.turn.copy(), self._slip
            self.turn = q @ self.turn
            self._slip = (j, self.turn.copy())
            self._floor = max(r.i1, j)
            why = f"{r.kind} at {r.start_s:.0f} s and {nxt.kind} at {nxt.start_s:.0f} s"
            new = LiveReReference(self._time_of(j), dev, why, now_s, self.turn.copy())
            self.re_references.append(new)
            self._open = (new, i, turn0, q, slip0)
        return new

    def _place(self, r: cs.RefPosture, nxt: cs.RefPosture, i: int, m: np.ndarray,
               m_new: np.ndarray, motion: cs.Motion | None,
               still_of: Callable[[], np.ndarray] | None) -> int:
        """The row of the slip ``r`` showed and ``nxt`` confirmed (``r`` is ``refs[i]``), as
        :func:`~kyphos.processing.clipslip.find_slips` places it, with the postures seen so
        far: the change point over the probes (the sits read against the first sit after it
        when there is no sitting baseline yet, as far as one has been seen), and with
        ``motion`` the slip's own turn; a slip a sit showed is searched up to ``nxt`` by its
        turn alone, as offline. Without ``motion`` (no samples held), the postures alone."""
        base = cs.later_sitting_base(self._refs, i, m_new, self._base)
        still = still_of() if motion is not None and still_of is not None else None
        return cs.place_shown_slip(self._probes, self._floor, r, nxt, m, m_new, base, still,
                                   motion)[0]

    def _refine(self, m_cal: np.ndarray) -> None:
        """The last slip's correction refined from the quiet stands after it seen so far."""
        if self._slip is None or "standing" not in self._base:
            return
        j, turn0 = self._slip
        m0 = m_cal @ turn0.T
        rr = cs.ReReference(0.0, 0.0, "", m0, j)
        m1 = cs.refine_mountings([rr], [x for x in self._refs if x.i0 >= j],
                                 self._base["standing"])[0]
        self.turn = m1.sensor_from_body.T @ m_cal

    def _time_of(self, row: int) -> float:
        """Device time of a row (interpolated between the postures' ends)."""
        rows = np.array([[p.i0, p.i1 - 1] for p in self._probes], float).ravel()
        ts = np.array([[p.start_s, p.end_s] for p in self._probes]).ravel()
        o = np.argsort(rows, kind="stable")
        return float(np.interp(row, rows[o], ts[o]))
