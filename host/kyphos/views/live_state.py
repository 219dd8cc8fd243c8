"""The live view's model: what the window shows, updated from decoded frames as they arrive.

:class:`LiveState` takes the frames of each received batch (``Received`` from a transport or
:meth:`kyphos.link.Device.stream`), turns IMU batches into trunk angles with the causal chain
(:class:`kyphos.processing.causal.CausalProcessor`, the same code as the offline analysis in its
causal mode), and keeps:

- preallocated ring buffers (numpy) of time and angles for the scrolling traces;
- time in each ISO 11226 flexion zone, the slouch alert state (the report's slouch rule:
  flexion above upright + threshold and below ``SLOUCH_MAX_DEG`` (deeper is a bend),
  hysteresis, sustained ``slouch_min_s``, not while walking, getting up or down, or lifting;
  while sitting, from the wearer's own sitting upright as the report measures it);
- the accelerometer's offset, estimated from the still postures seen so far and removed
  before the orientation filter and everything downstream (``CausalProcessor(acc_bias="live")``,
  :class:`kyphos.processing.causal.LiveAccBias`: the offline analysis's estimator, fed
  causally); an upright taken live is re-derived whenever the estimate changes;
- the activity (:func:`kyphos.processing.activity.classify` on the rolling window, with the
  sitting/standing posture carried from window to window), and lifts and seated reaches, found
  by :func:`kyphos.metrics.lifts.find_bends` on the same window every ``LIFT_EVERY_S`` (each
  counted once it has ended) — the report's definitions, run causally;
- clip slips, found causally from the walks and still postures of the activity window as each
  ends (:class:`kyphos.processing.causal.LiveClipSlip`, the report's rule; placed by the
  slip's own turn from the rows the ring still holds, as offline): the causal chain
  re-references from the moment one is confirmed (:attr:`LiveState.re_references`, as the
  report's ``re_references`` with ``detected_s``);
- link health (from the Device), battery (STATUS), markers and calibrations.

Ingest and :meth:`LiveState.snapshot` are thread-safe: the receive path ingests, the drawing
takes snapshots (copies of the visible window), so neither waits long for the other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from kyphos.metrics.lifts import MAX_DURATION_S, Lift, find_bends
from kyphos.metrics.posture import (
    EXTENSION_DEG,
    SIT_UPRIGHT_MAX_DEG,
    SIT_UPRIGHT_MIN_S,
    SIT_UPRIGHT_PCT,
    SLOUCH_HYSTERESIS_DEG,
    SLOUCH_MAX_DEG,
    SLOUCH_MIN_S,
    SLOUCH_THRESHOLD_DEG,
    ZONE_EDGES_DEG,
)
from kyphos.metrics.style import (
    LEVER_PAD_S,
    LIFT_PAD_S,
    ORIENTATION_LEAD_SAMPLES,
    Wearer,
    blend_previous,
    lever_from_bends,
    restyle,
    wearer_from,
    window_start,
)
from kyphos.processing import activity as act
from kyphos.processing import clipslip, plausibility
from kyphos.processing.angles import Angles
from kyphos.processing.calibration import (
    BEND_MIN,
    CAL_BENDS,
    CAL_GAP_S,
    CAL_OPEN_S,
    CAL_PEAK_DEG,
    CAL_QUIET_S,
    QUIET_GYR,
    G,
    calibration_sequence,
    forward_excursions,
    frame_from_axes,
)
from kyphos.processing.causal import CausalProcessor, LiveClipSlip, LiveReReference
from kyphos.processing.params import PROBE_MIN_S
from kyphos.processing.preprocess import IMU_CUTOFF_HZ, CausalLowpass, lowpass, runs
from kyphos.protocol.constants import EventKind
from kyphos.protocol.frames import Event, Imu, Info, Status
from kyphos.recording.units import rest_gravity

#: Flexion zones in display order: key, label, lower and upper edge (degrees), colour.
ZONES: tuple[tuple[str, str, float, float, str], ...] = (
    ("extension", "extension", -90.0, EXTENSION_DEG, "#4a90d9"),
    ("0_20", "0–20°", EXTENSION_DEG, ZONE_EDGES_DEG[0], "#2ca02c"),
    ("20_60", "20–60°", ZONE_EDGES_DEG[0], ZONE_EDGES_DEG[1], "#f0a020"),
    ("over_60", "> 60°", ZONE_EDGES_DEG[1], 180.0, "#d62728"),
)
ZONE_COLOURS = {z[0]: z[4] for z in ZONES}
#: Lift detection runs on this much history (longest lift + onset walk + margin), s.
LIFT_WINDOW_S = MAX_DURATION_S + 8.0
LIFT_EVERY_S = 0.5
#: The upright window used by a live calibration (the last second, as the analysis does for
#: a CALIBRATED event), s.
CALIBRATE_WINDOW_S = 1.0
#: The posture carried from one activity window to the next is the one this long before the
#: window's end (a sit/stand transition takes up to TRANSITION_MAX_S), s.
LIVE_SETTLE_S = 5.0
#: The activity window starts at rest: at the first ``LIVE_CALM_S`` within its first
#: ``LIVE_CALM_SEARCH_S`` with the gyro below ``calibration.QUIET_GYR`` (the height track
#: integrates from the window's start; a window cut in the middle of a squat read its rise as
#: a sit-down, and the lifts after it as seated reaches: validation seed 1001, 40-90 s). Own
#: choices (a lift's turn at the bottom is shorter than 0.5 s at rest).
LIVE_CALM_S = 0.5
LIVE_CALM_SEARCH_S = 6.0
#: A walk or still posture is taken as a clip-slip reference once its end lies this far
#: before the activity window's end (the classification at the trailing edge may still
#: change), s. Own choice.
LIVE_REF_SETTLE_S = 1.0
#: How long the wearer's "clip moved" note stays in the status line, s.
REREF_NOTE_S = 30.0
#: After an upright calibration (``c``) the view asks for one slow forward bend and looks for
#: it this long (``LiveState(guide_s=)``, ``kyphos live --guide-s``), s. Own choice: the
#: guided calibration's bend starts within a second of the upright and lasts 5-8 s.
GUIDE_S = 20.0
#: How long the guided bend's outcome stays in the banner, s.
GUIDE_NOTE_S = 5.0
#: ``c`` while the view sees the wearer sitting. The upright neutral is a standing one
#: (processing.calibration: quiet upright standing gives body z; the virtual board's wearer
#: sitting upright reads 7 deg flexed against it standing), and sitting is judged from the
#: wearer's own sitting upright, measured all along (metrics.posture.sitting_upright_deg), so
#: a seated ``c`` after an upright has been taken changes nothing (:meth:`seated_keep`: no
#: CALIBRATE is sent, nothing is recorded) and the banner says how to recalibrate
#: (SEATED_KEPT). With no upright yet it is taken, as the best there is, without asking for a
#: forward bend (a seated bend is a seated reach; the closed-bend lever that names lift styles
#: is a standing hip hinge): SEATED_NOTE. Each shows for SEATED_NOTE_S (own choice).
SEATED_KEPT = "sitting: calibration kept; to recalibrate, stand up straight and press c"
SEATED_NOTE = "calibrated sitting for now: stand up straight and press c to calibrate standing"
SEATED_NOTE_S = 10.0
#: The guided bend's window runs from the last sample within this angle of the upright before
#: the deepest sample to the first one back within it (``forward_excursions``' start), deg.
GUIDE_NEAR_DEG = 15.0
#: The sitting-upright histogram is also kept per this much device time, so that a clip slip
#: re-referenced late can take the slipped stretch out of it (8 h: at most 960 histograms of
#: 211 bins, 1.6 MB), s. Own choice.
SIT_SEG_S = 30.0
_T_MOD = 1 << 32
#: What to do about a missing upright reference, in the live view's words.
LIVE_UPRIGHT_HINT = "stand or sit upright and still, then press c"
#: The live view's upright reference and the confidence the analysis gives the same one: a
#: given matrix (1.0), the upright window of a live calibration (``calibration.from_windows``
#: without a bend: 0.7), none (the nominal mounting, ``calibration="nominal"``: 0.0).
_CAL_CONFIDENCE = {"given": 1.0, "upright+bend": 1.0, "upright": 0.7, "nominal": 0.0}
_SIT_BINS = np.arange(-45.0, 60.5, 0.5)


def _info(number: int, lf: Lift) -> LiftInfo:
    return LiftInfo(number, lf.style, lf.score, lf.reasons[0] if lf.reasons else "",
                    lf.peak_flexion_deg, lf.end_s)


def _gravity_direction(acc: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit gravity direction per row of ``acc`` (sensor frame) low-passed at 1 Hz, as
    ``auto_calibrate`` reads it (zero-phase: past rows), and the rows that are valid."""
    ok = np.all(np.isfinite(acc), axis=1) & np.any(acc != 0, axis=1)
    a_lp = lowpass(np.where(ok[:, None], acc, 0.0), fs, 1.0)
    return a_lp / np.maximum(np.linalg.norm(a_lp, axis=1, keepdims=True), 1e-9), ok


def zone_index(flex_deg: np.ndarray | float) -> np.ndarray:
    """Index into :data:`ZONES` per sample (same edges as the report's zone percentages)."""
    f = np.asarray(flex_deg, float)
    return np.where(f < EXTENSION_DEG, 0, np.where(f <= ZONE_EDGES_DEG[0], 1,
                                                   np.where(f <= ZONE_EDGES_DEG[1], 2, 3)))


class Ring:
    """Fixed-capacity ring of rows, written twice so the newest ``k`` rows are one contiguous
    view (no copy, no reallocation)."""

    def __init__(self, capacity: int, width: int) -> None:
        self.capacity = int(capacity)
        self._buf = np.full((2 * self.capacity, width), np.nan)
        self.count = 0  # rows ever written

    def extend(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows, float)
        if len(rows) > self.capacity:
            self.count += len(rows) - self.capacity
            rows = rows[-self.capacity :]
        idx = (self.count + np.arange(len(rows))) % self.capacity
        self._buf[idx] = rows
        self._buf[idx + self.capacity] = rows
        self.count += len(rows)

    def last(self, k: int) -> np.ndarray:
        """The newest ``min(k, stored)`` rows, oldest first (a view: copy to keep)."""
        k = min(int(k), self.count, self.capacity)
        end = self.count % self.capacity + self.capacity
        return self._buf[end - k : end]

    def set_last(self, rows: np.ndarray) -> None:
        """Write over the newest ``len(rows)`` rows (at most those stored)."""
        rows = np.asarray(rows, float).reshape(len(rows), -1)[-min(len(rows), len(self)):]
        idx = (self.count - len(rows) + np.arange(len(rows))) % self.capacity
        self._buf[idx] = rows
        self._buf[idx + self.capacity] = rows

    def rows(self, r0: int, r1: int) -> np.ndarray:
        """Rows [r0, r1) on the running count (``count`` rows ever written), NaN where they
        are no longer (or not yet) held; a copy."""
        out = np.full((max(0, r1 - r0), self._buf.shape[1]), np.nan)
        a, b = max(r0, self.count - len(self)), min(r1, self.count)
        if b > a:
            end = self.count % self.capacity + self.capacity
            out[a - r0 : b - r0] = self._buf[end - (self.count - a) : end - (self.count - b)]
        return out

    def __len__(self) -> int:
        return min(self.count, self.capacity)


@dataclass
class LiftInfo:
    """A counted lift as the window shows it."""

    number: int
    style: str
    score: float | None  # None: not scored (the live validity, LiveState.validity)
    reason: str
    peak_deg: float
    end_s: float


@dataclass
class View:
    """One snapshot for drawing: copies, safe to use while ingest goes on."""

    t: np.ndarray  # device time, s (newest last)
    flexion: np.ndarray  # degrees
    lateral: np.ndarray
    axial: np.ndarray
    t_now: float  # device time of the newest sample, s (nan before any)
    newest_host_us: int | None  # host time the newest sample was taken (see device_to_host)
    newest_recv_us: int | None  # host time the newest sample was received
    flex_now: float
    zone: int  # index into ZONES of the current flexion, -1 before any
    zone_s: np.ndarray  # seconds in each zone so far
    lift_count: int
    last_lift: LiftInfo | None
    slouching: bool
    slouch_s: float  # how long the current slouch alert has lasted
    alerts: int  # slouch alerts so far
    calibrated: bool
    health: dict[str, Any]
    battery_pct: int | None
    connected: bool
    status_text: str
    #: the accelerometer offset removed now, mg per sensor axis (None: not estimated yet), and
    #: the still postures it was fitted to
    acc_bias_mg: tuple[float, float, float] | None = None
    bias_postures: int = 0
    markers: list[float] = field(default_factory=list)  # device times, s
    samples: int = 0
    #: the live validity (:meth:`LiveState.validity`, the report's rule): False means no
    #: score; ``lift_count``/``last_lift`` then follow it (no lifts where lifts cannot be
    #: trusted, no score and no praise below the bar); ``warnings`` say why
    valid: bool = True
    angles_trusted: bool = True
    lifts_trusted: bool = True
    warnings: list[str] = field(default_factory=list)
    #: clip slips re-referenced live, as the report's ``re_references`` with ``detected_s``
    re_references: list[dict[str, Any]] = field(default_factory=list)
    #: the wearer's note on the newest one while it is recent ("clip moved 11°, re-referenced")
    reref_note: str = ""
    #: the wearer's hip height as the report's ``"wearer"`` block (None: not given)
    wearer: dict[str, Any] | None = None
    #: the guided calibration bend's prompt while it runs, then its outcome for a few seconds
    guide_note: str = ""


def _ring_angles(w: np.ndarray, fs: float) -> Angles:
    """The trunk angles of ring rows ``w`` (degrees in columns 1-4, as the ring keeps them;
    no lateral or axial velocity: the lift rules read flexion's)."""
    r = np.radians(w[:, 1:5])
    n = len(w)
    return Angles(w[:, 0], r[:, 0], r[:, 1], r[:, 2], r[:, 3], np.zeros(n), np.zeros(n),
                  np.isfinite(w[:, 1]), fs=fs)


def _ring_earth_acc(w: np.ndarray) -> np.ndarray:
    """(n, 3) earth-frame free acceleration of ring rows ``w`` (horizontal, then vertical),
    each row rotated with its own orientation: what the lift bounds read (``find_bends``),
    as the report's ``lifts._speeds`` reads the unaligned orientation."""
    return np.column_stack([w[:, 12:14], w[:, 5]])


def _ring_aligned_earth_acc(w: np.ndarray) -> np.ndarray:
    """(n, 3) earth-frame free acceleration of ring rows ``w`` rotated with the orientation
    half a sample back (:data:`kyphos.metrics.style.ORIENTATION_LEAD_SAMPLES`), as the
    report's closed-bend features read it (:func:`kyphos.metrics.style.aligned_earth_acc`):
    what the lift windows' style and the calibration bends' lever read."""
    return w[:, 14:17]


def _quat_from_angles(flexion: np.ndarray, lateral: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """(n, 4) unit quaternions (w, x, y, z) of ``R_b = Rz(yaw)·Ry(flexion)·Rx(lateral)``
    (radians), vectorised."""
    cp, sp = np.cos(flexion / 2), np.sin(flexion / 2)
    cr, sr = np.cos(lateral / 2), np.sin(lateral / 2)
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    return np.column_stack([cr * cp * cy + sr * sp * sy, sr * cp * cy - cr * sp * sy,
                            cr * sp * cy + sr * cp * sy, cr * cp * sy - sr * sp * cy])


def _rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Each row of ``v`` (n, 3) rotated by the unit quaternion in the same row of ``q``."""
    w, x, y, z = q.T
    vx, vy, vz = v.T
    tx, ty, tz = 2.0 * (y * vz - z * vy), 2.0 * (z * vx - x * vz), 2.0 * (x * vy - y * vx)
    return np.column_stack([vx + w * tx + y * tz - z * ty, vy + w * ty + z * tx - x * tz,
                            vz + w * tz + x * ty - y * tx])


class LiveState:
    """Everything the live view shows, updated by :meth:`ingest` (see the module docstring).

    Args:
        window_s: history kept for the traces (the view may show less), s.
        slouch_threshold_deg, slouch_hysteresis_deg, slouch_min_s: the slouch rule, as in the
            report (kyphos.metrics.posture defaults).
        calibration: (3, 3) sensor-from-body matrix to start with (nominal mounting if None).
        link_m: the wearer's trunk lever for the lift style (``Analysis.link_m`` of an earlier
            recording; :data:`kyphos.metrics.lifts.LINK_M` if None).
        acc_bias: the accelerometer offset: ``"live"`` (estimated from the still postures seen
            so far, as the analysis does from the whole recording), a fixed (3,) vector in m/s²,
            or None (not removed). See :class:`kyphos.processing.causal.CausalProcessor`.
        wearer: the wearer's hip height (:func:`kyphos.metrics.style.wearer_from`, as
            ``analyze(hip_height_m=|height_m=)`` takes it): each lift's style is then named by
            its knee drop over the hip height, as the report names it
            (:func:`kyphos.metrics.style.restyle`); None: ``wearer_from()``, no hip height,
            so by the closed-bend knee drop in metres as the report names it without one
            (``wearer_from(drop="knee")``: the knee rule with one lever for everyone). With
            ``drop="closed"`` (the default) the lever is fitted on the opening calibration
            bends once they are known (:func:`kyphos.metrics.style.lever_from_bends`, the
            report's function, on the rows the live view kept of them); lifts before that, or
            without a calibration bend, keep the shipped style, as the report does without one.
        guide_s: after each upright calibration made standing (a later one too), look this
            long for the guided calibration's forward bend (:meth:`_guide_search`; the view
            prompts for it) and take the first one as :meth:`guided_bend` does (None: no
            prompt; the benches give the window themselves).
    """

    def __init__(
        self,
        window_s: float = 30.0,
        *,
        slouch_threshold_deg: float = SLOUCH_THRESHOLD_DEG,
        slouch_hysteresis_deg: float = SLOUCH_HYSTERESIS_DEG,
        slouch_min_s: float = SLOUCH_MIN_S,
        calibration: np.ndarray | None = None,
        max_fs: float = 1000.0,
        link_m: float | None = None,
        acc_bias: str | np.ndarray | None = "live",
        wearer: Wearer | None = None,
        guide_s: float | None = None,
    ) -> None:
        # no hip height given: the report's default rule (the closed-bend knee drop in metres)
        self.wearer = wearer_from() if wearer is None else wearer
        self.window_s = float(window_s)
        self.link_m = link_m
        self.acc_bias_mode = acc_bias
        self.slouch_threshold_deg = slouch_threshold_deg
        self.slouch_hysteresis_deg = slouch_hysteresis_deg
        self.slouch_min_s = slouch_min_s
        self._lock = threading.Lock()
        keep_s = max(self.window_s, LIFT_WINDOW_S) + 2.0
        # columns: t, flex, lat, axial (deg), flexion velocity (deg/s), vertical acc (m/s²),
        # acc (m/s², 3), gyr (rad/s, 3) for the activity, horizontal acc (m/s², 2; earth frame
        # up to the yaw at the start, for the lifts' start and end), earth-frame free acc
        # rotated with the orientation half a sample back (m/s², 3: horizontal 2, vertical;
        # for the closed-bend style features and lever, as the report's aligned_earth_acc)
        self._ring = Ring(int(keep_s * max_fs), 17)
        # the causal chain's last body quaternion and the mounting it was in: the previous
        # row of a chunk's first row, for the half-sample alignment (None: none yet / a gap)
        self._q_prev: np.ndarray | None = None
        self._q_prev_m: np.ndarray | None = None
        # each kept row's still flag as the activity window last classified it (NaN: not yet),
        # for placing a clip slip by its own turn (the gyro's offset over the still rows)
        self._still = Ring(self._ring.capacity, 1)
        self._acc = Ring(int(2 * CALIBRATE_WINDOW_S * max_fs) + 1, 3)  # raw acc, for calibrate
        self._max_fs = max_fs
        self._cal = calibration
        self.proc: CausalProcessor | None = None
        self._acc_lp: CausalLowpass | None = None
        self.fs: float | None = None
        self.acc_scale: float | None = None
        self.gyr_scale: float | None = None
        self._t_last_raw: int | None = None
        self._t_wraps = 0
        self._epoch = 0  # the board's boot (kyphos.link.Device numbers them)
        self._epoch_base_s = 0.0  # added to a boot's own clock so time keeps going forward
        self._t_last_s: float | None = None
        self._newest_recv_us: int | None = None  # host receive time of the newest IMU frame
        self.device_to_host: Callable[[float], float] | None = None  # device s → host µs
        self._offset_us: float | None = None  # lower envelope of host_us − device µs
        self.zone_s = np.zeros(len(ZONES))
        self.samples = 0
        self.lifts: list[LiftInfo] = []
        self.seated_reaches: list[LiftInfo] = []
        self.posture: str | None = None  # "sitting" / "standing" as last seen, None unknown
        self._posture_seen: str | None = None  # what the last window saw (changes wait for two)
        self.activity_now: str | None = None  # the activity near the window's end
        self._lift_end_s = -np.inf
        self._reach_end_s = -np.inf
        # the standing bends reaching BEND_MIN held back while they may be calibration bends
        # (None: the calibration bends are decided)
        self._opening: list[Lift] | None = []
        # the stream's forward excursions by auto_calibrate's rule while undecided
        # (calibration.forward_excursions: start, end as it times them, peak in deg)
        self._exc: list[tuple[float, float, float]] = []
        self._opening_up: list[np.ndarray] = []  # each excursion's gravity direction at its peak
        # each excursion's rows for the closed-bend lever (t, flex, lat deg, earth acc; None
        # until its window ± LEVER_PAD_S has passed), and the calibration bends whose lever
        # waits for them (wearer.drop "closed")
        self._open_spans: list[tuple[float, float]] = []
        self._open_rows: list[np.ndarray | None] = []
        self._lever_seq: list[int] | None = None
        self._up_raw: np.ndarray | None = None  # the live upright's mean acc (offset in)
        self._cal_left: np.ndarray | None = None  # body y from the calibration bends
        self.calibration_bends_s: list[tuple[float, float]] = []
        self._guided: tuple[float, float] | None = None  # the guided bend's window (device s)
        self.guide_s = guide_s
        # the prompt for the guided bend: (its start, its time limit), device s; None: not asked
        self._guide: tuple[float, float] | None = None
        self._guide_up: tuple[float, float] = (np.nan, np.nan)  # the upright it follows
        self._guide_held: list[tuple[Lift, bool]] = []  # standing bends (reach BEND_MIN) held
        # a later c's guided bend taken, its lever not fitted yet: the lifts since that c's
        # upright wait for it (None: nothing waits), with their rows (id(lift) -> ring rows), to
        # be named with it as the report names them (Wearer.lever_at: the lever of the
        # mounting the lift was made in; the c follows the re-clip)
        self._lever_wait: list[Lift] | None = None
        self._held_rows: dict[int, np.ndarray] = {}
        self._later_from_s = np.inf  # the later c's upright start: lifts from it on wait
        self._guide_msg: tuple[str, float] = ("", -np.inf)  # the outcome, shown until (device s)
        #: called (inside ingest) when the prompt ends: (the upright window, the bend's window
        #: or None when no bend came within ``guide_s``), device s
        self.on_guided: Callable[[tuple[float, float], tuple[float, float] | None], None] | None = None
        self._open_quiet_end_s: float | None = None  # the opening quiet standing's end
        # still-sitting flexion seen so far, as a histogram (0.5° bins): the sitting upright
        self._sit_hist = np.zeros(len(_SIT_BINS) - 1)
        self._sit_segs: dict[int, np.ndarray] = {}  # the same per SIT_SEG_S of device time
        self._sit_until = -np.inf
        self.sitting_upright_deg: float | None = None
        self._next_lift_check = -np.inf
        self._slouch_on = False  # above threshold (hysteresis state)
        self._slouch_since: float | None = None
        self.alerts = 0
        self.device_slouch = False
        self.calibrated = calibration is not None
        self._cal_method = "given" if calibration is not None else "nominal"
        self._grav: tuple[float, float] | None = None  # (device s, m/s²): _gravity's last
        self.calibrations: list[float] = []
        #: per calibration in ``calibrations``: whether the view saw the wearer sitting
        self.calibrations_sitting: list[bool] = []
        self.markers: list[float] = []
        self.battery_pct: int | None = None
        self.health: dict[str, Any] = {}
        self.connected = True
        self.status_text = ""
        self.version = 0  # bumped by every ingest that brought samples
        self.changed = threading.Event()  # set with it (the drawing loop waits on it)
        self.on_alert: Callable[[], None] | None = None  # called when a slouch alert starts
        self.on_calibrated: Callable[[float, float], None] | None = None
        self.clip_slip: LiveClipSlip | None = None  # with the causal chain (_start)
        self._ref_end_s = -np.inf  # the end of the last posture given to clip_slip
        #: the previous activity window's kinds (index into act.KINDS) and its first row on
        #: the ring's running count: a posture is given to clip_slip once two windows in a row
        #: call it the same (:meth:`_clip_slips`)
        self._kind_prev: tuple[int, np.ndarray] | None = None
        self.on_re_reference: Callable[[LiveReReference], None] | None = None

    # -- input -----------------------------------------------------------------------------
    def set_info(self, info: Info) -> None:
        """Scales and rate from the board's INFO."""
        with self._lock:
            self._set_info(info)

    def _set_info(self, info: Info) -> None:
        self.acc_scale, self.gyr_scale = float(info.acc_scale), float(info.gyr_scale)
        if info.odr_chz and self.fs is None:
            self._start(info.odr_chz / 100.0)

    def _start(self, fs: float) -> None:
        self.fs = fs
        self.proc = CausalProcessor(fs, self._cal, acc_bias=self.acc_bias_mode)
        self.clip_slip = LiveClipSlip(fs)
        self._acc_lp = CausalLowpass(fs, IMU_CUTOFF_HZ, 3)

    def ingest(self, records: Iterable[Any], epoch: int | None = None) -> int:
        """Take the frames of one batch (objects with ``.frame`` and ``.host_us``, e.g.
        :class:`kyphos.transport.base.Received`); returns the IMU samples taken.

        ``epoch`` is the board's boot the batch belongs to (``Batch.epoch``): a new one restarts
        the board's clock, so the view continues its time line after the last sample; frames
        of an earlier boot (a late back-fill) are not shown. Without it, a board clock that
        jumps back by more than 5 s (not a wrap) counts as a new boot.
        """
        with self._lock:
            if epoch is not None and epoch != self._epoch:
                if epoch < self._epoch:
                    return 0
                self._new_epoch(epoch)
            return self._ingest(records)

    def _new_epoch(self, epoch: int) -> None:
        self._epoch = epoch
        self._epoch_base_s = (self._t_last_s or 0.0) + 1.0  # a 1 s gap marks the reboot
        self._t_last_raw = None
        self._t_wraps = 0
        self._offset_us = None
        self.device_to_host = None  # an exact mapping was for the previous boot's clock

    def _ingest(self, records: Iterable[Any]) -> int:
        times: list[np.ndarray] = []
        raws: list[np.ndarray] = []
        hap: list[np.ndarray] = []
        events: list[tuple[float, Event]] = []
        for rec in records:  # per frame (a batch holds a few)
            p = rec.frame.payload
            if isinstance(p, Imu):
                if self.fs is None:
                    self._start(1e9 / p.period_ns)
                if self.acc_scale is None or not p.samples:
                    continue  # no INFO yet: scales unknown
                t0 = self._unwrap(rec.frame.t_us)
                n = len(p.samples)
                t = t0 + np.arange(n) * (p.period_ns / 1e9)
                times.append(t)
                raws.append(np.asarray(p.samples, float))
                hap.append(np.full(n, bool(p.flags & 1)))
                if rec.host_us is not None and rec.host_us >= 0:
                    self._newest_recv_us = max(self._newest_recv_us or 0, rec.host_us)
                    end_us = t[-1] * 1e6
                    d = rec.host_us - end_us
                    self._offset_us = d if self._offset_us is None else min(self._offset_us, d)
            elif isinstance(p, Info):
                self._set_info(p)
            elif isinstance(p, Status):
                self.battery_pct = None if p.battery_pct == 255 else int(p.battery_pct)
            elif isinstance(p, Event):
                events.append((self._unwrap(rec.frame.t_us), p))
        n_in = 0
        if times:
            n_in = self._samples(np.concatenate(times), np.vstack(raws), np.concatenate(hap))
        for t_ev, ev in events:
            self._event(t_ev, ev)
        if n_in:
            self.version += 1
            self.changed.set()
        return n_in

    def device_s(self, t_us: int) -> float:
        """A frame's device time in s on the state's unwrapped clock (no update)."""
        return (t_us + self._t_wraps * _T_MOD) / 1e6 + self._epoch_base_s

    def _unwrap(self, t_us: int) -> float:
        """Device µs (u32, wrapping) to seconds on one unwrapped clock, continuing across
        reboots."""
        last = self._t_last_raw
        if last is not None and t_us < last - (1 << 31):
            self._t_wraps += 1
        elif last is not None and t_us < last - 5_000_000:  # back by > 5 s: the board rebooted
            self._new_epoch(self._epoch + 1)
        last = self._t_last_raw
        self._t_last_raw = t_us if last is None else max(last, t_us)
        return (t_us + self._t_wraps * _T_MOD) / 1e6 + self._epoch_base_s

    def _samples(self, t: np.ndarray, raw: np.ndarray, haptic: np.ndarray) -> int:
        assert self.proc is not None and self._acc_lp is not None and self.fs is not None
        assert self.acc_scale is not None and self.gyr_scale is not None
        if self._t_last_s is not None:
            keep = t > self._t_last_s + 0.25 / self.fs  # a repeat or a late back-fill
            t, raw, haptic = t[keep], raw[keep], haptic[keep]
            if not len(t):
                return 0
        acc_raw = raw[:, :3] * self.acc_scale
        gyr = raw[:, 3:] * self.gyr_scale
        gap = self._t_last_s is not None and t[0] - self._t_last_s > 2.5 / self.fs
        ang = self.proc.process_chunk(t, acc_raw, gyr, haptic)
        b = self.proc.acc_bias  # the offset removed now
        est = self.proc.bias_estimator
        if est is not None and est.switch_row is not None:
            # a new estimate: the kept history too, so the activity window and the lifts see
            # one offset throughout (a step inside the window read as a sit-down)
            self._rebias(b - est.previous)
        acc = acc_raw - b if np.any(b != 0) else acc_raw
        acc_lp = self._acc_lp(acc)
        ae = self._earth_acc(ang, acc_lp)
        al = self._aligned_earth_acc(ang, acc_lp, gap)
        flex = np.degrees(ang.flexion)
        rows = np.column_stack([t, flex, np.degrees(ang.lateral), np.degrees(ang.axial),
                                np.degrees(ang.flexion_velocity), ae[:, 2], acc, gyr, ae[:, :2],
                                al])
        if gap:  # a NaN row breaks the trace and separates segments for lift detection
            rows = np.vstack([np.r_[t[0] - 0.5 / self.fs, np.full(16, np.nan)], rows])
            self._slouch_on, self._slouch_since = False, None  # unknown in between: start over
        self._ring.extend(rows)
        self._still.extend(np.full((len(rows), 1), np.nan))
        self._acc.extend(acc_raw)
        self._t_last_s = float(t[-1])
        self.samples += len(t)
        self._zones(flex)
        self._slouch(t, flex)
        if self._t_last_s >= self._next_lift_check:
            self._next_lift_check = self._t_last_s + LIFT_EVERY_S
            self._lifts()
        return len(t)

    def _rebias(self, db: np.ndarray) -> None:
        """Remove a further offset ``db`` (m/s², sensor frame) from the kept rows: acc, and the
        earth-frame acceleration through each row's own angles (vectorised over the ring)."""
        buf = self._ring._buf
        ok = np.isfinite(buf[:, 1])
        if not ok.any():
            return
        r = np.radians(buf[ok, 1:4])
        n = len(r)
        ang = Angles(np.zeros(n), r[:, 0], r[:, 1], r[:, 2], np.zeros(n), np.zeros(n),
                     np.zeros(n), np.ones(n, bool), fs=self.fs or 100.0)
        d = self._earth_acc(ang, np.broadcast_to(db, (n, 3)))
        d[:, 2] += G  # the earth-frame image of db alone
        buf[ok, 5] -= d[:, 2]
        buf[ok, 6:9] -= db
        buf[ok, 12:14] -= d[:, :2]
        buf[ok, 14:17] -= d  # the aligned rows too (their own rotation: |db| is small)

    def _aligned_earth_acc(self, ang: Angles, acc: np.ndarray, gap: bool) -> np.ndarray:
        """(n, 3) free acceleration in the earth frame as :meth:`_earth_acc`, each row's
        specific force rotated with the orientation :data:`ORIENTATION_LEAD_SAMPLES` back: the
        normalised blend of the row's body quaternion and the previous row's (the previous
        chunk's last row for the first; the row's own after a gap, a NaN row or a new
        mounting), as the report's :func:`kyphos.metrics.style.aligned_earth_acc`. The
        quaternions carry the axial angle's wrap. Vectorised per chunk."""
        assert self.proc is not None
        m = self.proc.sensor_from_body
        q = _quat_from_angles(ang.flexion, ang.lateral, -ang.axial)
        prev = self._q_prev
        if gap or prev is None or self._q_prev_m is None or not np.array_equal(self._q_prev_m, m):
            prev = q[0]
        qp = np.vstack([prev[None, :], q[:-1]])
        self._q_prev, self._q_prev_m = q[-1].copy(), np.array(m, float)
        qm = blend_previous(q, qp, ORIENTATION_LEAD_SAMPLES)
        out = _rotate(qm, acc @ m)  # body-frame specific force Mᵀ·acc, rotated to the earth
        out[:, 2] -= G
        return out

    def _earth_acc(self, ang: Angles, acc: np.ndarray) -> np.ndarray:
        """(n, 3) free acceleration in the earth frame (m/s², z up) from the angles in ``ang``
        and the calibration: ``R_s = R_b · Mᵀ`` with ``R_b = Rz(yaw)·Ry(flex)·Rx(lat)`` and
        yaw = −axial (``kyphos.processing.angles``; up to a constant yaw, which leaves speeds
        as they are), so the causal chain's own orientation gives it. The z column is yaw-free
        (the third row of ``R_b``)."""
        assert self.proc is not None
        m = self.proc.sensor_from_body
        f, la, yaw = ang.flexion, ang.lateral, -ang.axial
        cf, sf, cl, sl, cy, sy = np.cos(f), np.sin(f), np.cos(la), np.sin(la), np.cos(yaw), np.sin(yaw)
        row_a = np.column_stack([cf, sf * sl, sf * cl])  # rows 1 and 2 of Ry·Rx
        row_b = np.column_stack([np.zeros_like(f), cl, -sl])
        r2b = np.column_stack([-sf, cf * sl, cf * cl])
        acc_b = acc @ m  # body-frame specific force: Mᵀ·acc per row
        xa, xb = np.einsum("ij,ij->i", row_a, acc_b), np.einsum("ij,ij->i", row_b, acc_b)
        out = np.empty((len(f), 3))
        out[:, 0] = cy * xa - sy * xb
        out[:, 1] = sy * xa + cy * xb
        out[:, 2] = np.einsum("ij,ij->i", r2b, acc_b) - G
        return out

    def _zones(self, flex: np.ndarray) -> None:
        ok = np.isfinite(flex)
        if self.fs:
            self.zone_s += np.bincount(zone_index(flex[ok]), minlength=len(ZONES)) / self.fs

    def _slouch(self, t: np.ndarray, flex: np.ndarray) -> None:
        """The report's slouch rule, run causally: on above threshold, off below threshold −
        hysteresis or at ``SLOUCH_MAX_DEG`` and beyond (a bend), or while the activity is not
        sitting or standing; an alert once on for ``slouch_min_s``."""
        thr, lo = self.slouch_threshold_deg, self.slouch_threshold_deg - self.slouch_hysteresis_deg
        x = np.nan_to_num(flex, nan=-np.inf)
        x = np.where(x >= SLOUCH_MAX_DEG, -np.inf, x)
        if self.posture == "sitting" and self.sitting_upright_deg is not None:
            x = x - self.sitting_upright_deg  # from the wearer's own sitting upright
        if self.activity_now not in (None, "sitting", "standing"):
            x = np.full_like(x, -np.inf)
        ev = np.where(x > thr, 1, np.where(x < lo, -1, 0))
        nz = np.flatnonzero(ev)
        if len(nz):
            on = ev[nz] == 1
            for j in np.flatnonzero(on != np.r_[self._slouch_on, on[:-1]]):  # per state change
                self._slouch_on = bool(on[j])
                self._slouch_since = float(t[nz[j]]) if on[j] else None
        self._alert_state()

    def _alert_state(self) -> None:
        was = getattr(self, "_alerting", False)
        now = self.slouching
        if now and not was:
            self.alerts += 1
            if self.on_alert is not None:
                self.on_alert()
        self._alerting = now

    @property
    def slouching(self) -> bool:
        if self.device_slouch:
            return True
        return (self._slouch_since is not None and self._t_last_s is not None
                and self._t_last_s - self._slouch_since >= self.slouch_min_s)

    def _lifts(self) -> None:
        assert self.fs is not None
        n = int(LIFT_WINDOW_S * self.fs)
        w = self._ring.last(n)
        if len(w) < self.fs * 2:
            return
        if self._open_spans and self.wearer is not None and self.wearer.drop == "closed":
            self._keep_opening_rows(w)
        if self.samples > n:  # not the stream's start: begin the window at rest
            w = w[self._calm_start(w):]
        t = w[:, 0]
        ang = _ring_angles(w, self.fs)
        tilt = act.tilt_from_angles(ang.flexion, ang.lateral)
        earth_acc = _ring_earth_acc(w)
        t_end = float(t[-1])
        activity = act.classify(t, w[:, 5], w[:, 6:9], w[:, 9:12], tilt, self.fs, ang.valid,
                                posture_before=self.posture)
        # the posture carried to the next window: as seen LIVE_SETTLE_S before the end (a
        # transition at the trailing edge may not be over)
        k = activity.kind[t <= t_end - LIVE_SETTLE_S]
        k = k[k >= 0]
        if len(k):
            name = act.KINDS[int(k[-1])]
            seen = "standing" if name == "walking" else (
                name if name in ("sitting", "standing") else self.posture)
            # a change is carried once two windows in a row see it: a movement still going on
            # at the trailing edge can join the rise of the squat before it into one piece and
            # leave that squat's lowering as a sit-down (validation seed 1000 at 208 Hz, 128 s:
            # a "rise" of 1.85 m; the next window saw the squat again, but took the sitting
            # posture carried to it, and called the next two squats seated reaches)
            if seen == self.posture or self.posture is None or seen == self._posture_seen:
                self.posture = seen
            self._posture_seen = seen
        last = activity.kind[-1]
        self.activity_now = act.KINDS[int(last)] if last >= 0 else None
        self._sitting_upright(t, w[:, 1], activity)
        self._still.set_last(activity.still[:, None])
        self._clip_slips(t, w, activity)
        if self._opening is not None and self._open_quiet_end_s is None and self.samples <= n:
            self._opening_quiet(t, activity.still, w[:, 6:9])
        if self._opening is not None:
            self._excursions(t, w[:, 6:9], activity.still)
        if self._guide is not None:
            self._guide_search(t, w[:, 6:9])
        # seated reaches from the wearer's own sitting upright, as the report measures them
        for lf in find_bends(ang, w[:, 5], activity, self.link_m, earth_acc=earth_acc,
                             sitting_upright_deg=self.sitting_upright_deg):
            # count a bend once it has ended (not at the window's trailing edge) and was seen
            # whole (not cut at the window's start); each bend once, as a lift or a reach
            if lf.end_s >= t_end - 0.5 or lf.start_s <= t[0] + 0.5:
                continue
            if lf.start_s <= max(self._lift_end_s, self._reach_end_s):
                continue
            # a calibration bend is no lift (as in the report)
            if any(lf.start_s < b1 and lf.end_s > b0 for b0, b1 in self.calibration_bends_s):
                continue
            if lf.context == "standing":
                if self.wearer is not None:  # the style per leg length, as the report names it
                    restyle([lf], self.wearer, ang, np.zeros((0, 4)), np.zeros((0, 3)),
                            earth_acc=_ring_aligned_earth_acc(w))
                self._lift_end_s = lf.end_s
                self._standing_bend(lf, t, np.degrees(tilt), w)
            elif lf.context == "sitting":
                self._reach_end_s = lf.end_s
                self.seated_reaches.append(_info(len(self.seated_reaches) + 1, lf))
        self._opening_bends(t_end)

    def _keep_opening_rows(self, w: np.ndarray) -> None:
        """Keep the rows of each held opening bend once its lever window (± ``LEVER_PAD_S``,
        with 0.5 s to spare) has passed (``w``: the newest rows of the ring), and fit the
        closed-bend lever once the calibration bends waiting for it are all kept."""
        t = w[:, 0]
        for k, (b0, b1) in enumerate(self._open_spans):
            if self._open_rows[k] is None and t[-1] >= b1 + LEVER_PAD_S + 0.5 and (
                    self._opening is not None or k in (self._lever_seq or ())):
                keep = (t >= b0 - LEVER_PAD_S - 0.5) & (t <= b1 + LEVER_PAD_S + 0.5)
                self._open_rows[k] = w[keep][:, [0, 1, 2, 14, 15, 16]].copy()
        self._closed_lever()

    def _closed_lever(self) -> None:
        """The wearer's closed-bend lever from the calibration bends' kept rows by the report's
        :func:`kyphos.metrics.style.lever_from_bends` (``closure=True``; each bend from 15°
        before its peak to 15° after it, ``_standing_bend``); waits while a bend's rows are not
        kept yet."""
        seq = self._lever_seq
        if seq is None or self.wearer is None or self.fs is None:
            return
        rows = [self._open_rows[k] for k in seq]
        if any(r is None for r in rows):
            return
        x = np.concatenate([r for r in rows if r is not None])
        x = x[np.unique(x[:, 0], return_index=True)[1]]  # one row per time, in order
        valid = np.isfinite(x[:, 1])
        tilt = act.tilt_from_angles(np.radians(x[:, 1]), np.radians(x[:, 2]))
        lever = lever_from_bends(x[:, 0], valid, tilt, x[:, 3:6],
                                 [self._open_spans[k] for k in seq], self.fs, closure=True)
        wait, self._lever_wait = self._lever_wait, None
        if lever is not None or wait is None:  # a later bend without a lever keeps the one
            # before it, as the report's Wearer.lever_at does
            self.wearer = replace(self.wearer, lever=lever)
        self._lever_seq = None
        if wait is not None:
            self._count_waiting(wait)

    def _count_waiting(self, lifts: list[Lift]) -> None:
        """Count the lifts that waited for a later guided bend's lever: each named with the
        wearer's lever now (the later bend's, or the one before it when none was fitted), from
        the rows kept when it was found, as the report names the lifts from that c on."""
        assert self.fs is not None and self.wearer is not None
        for lf in lifts:  # a few
            w = self._held_rows.pop(id(lf), None)
            if w is not None and len(w):
                restyle([lf], self.wearer, _ring_angles(w, self.fs), np.zeros((0, 4)),
                        np.zeros((0, 3)), earth_acc=_ring_aligned_earth_acc(w))
            self.lifts.append(_info(len(self.lifts) + 1, lf))

    def _clip_slips(self, t: np.ndarray, w: np.ndarray, activity: act.Activity) -> None:
        """Give the walks and still postures of the activity window that have ended (and were
        not given before) to the causal clip-slip detector (:class:`LiveClipSlip`, the
        report's rule), and re-reference when it changes the mounting: the causal chain from
        the next sample on, and the kept rows from the slip on, so the activity window and the
        lifts see one mounting after it (as :meth:`_rebias` does for the offset)."""
        slip, proc = self.clip_slip, self.proc
        assert self.fs is not None
        if slip is None or proc is None or not self.calibrated:
            return
        row0 = self._ring.count - len(w)  # w ends at the newest row
        end = len(t) - int(LIVE_REF_SETTLE_S * self.fs)
        kind = activity.kind_for_slips()
        posts = clipslip.reference_postures(t, w[:, 6:9], kind, activity.still,
                                            self.fs, act.KINDS, PROBE_MIN_S)
        prev, self._kind_prev = self._kind_prev, (row0, kind.copy())
        for p in posts:  # the window's walks and still postures (a few)
            if p.i1 > end or p.start_s <= self._ref_end_s:
                continue  # still going on, or given before
            if not self._kind_held(prev, p.kind, p.i0 + row0, p.i1 + row0):
                # the window before called most of it something else: wait for a second
                # window (as the posture carried between windows), and give none after it
                # before it, so the postures stay in time order. One window's sit read as a
                # quiet stand (development seed 10022 at 104 Hz, a sit leaning back 7° at
                # 180 s: the window from 168.2 s found a stand-up at 169 s) was taken for a
                # slip, confirmed by another, and re-referenced falsely
                break
            self._ref_end_s = p.end_s
            # rows on the ring's running count (a walk's change point too, where it has one)
            split = getattr(p, "i_split", None)
            p = replace(p, i0=p.i0 + row0, i1=p.i1 + row0,
                        **({} if split is None else {"i_split": split + row0}))
            rr = slip.add(p, proc.calibration_matrix, float(t[-1]),
                          (self._slip_motion, self.fs), self._still_rows)
            if rr is not None:
                self._drop_sitting(rr.t_s)
            if rr is not None and self.on_re_reference is not None:
                self.on_re_reference(rr)
        if not np.array_equal(slip.turn, proc.turn) and slip.re_references:
            old = proc.sensor_from_body.copy()
            proc.set_turn(slip.turn)
            self._reexpress(old, proc.sensor_from_body, slip.re_references[-1].t_s)

    @staticmethod
    def _kind_held(prev: tuple[int, np.ndarray] | None, kind: str, r0: int, r1: int) -> bool:
        """Whether the previous activity window (``prev``: its first row on the running count
        and its kinds) called most of rows [r0, r1) ``kind`` (True without one)."""
        if prev is None:
            return True
        a0, k = prev
        got = k[max(r0 - a0, 0):max(r1 - a0, 0)]
        return 2 * int(np.count_nonzero(got == act.KINDS.index(kind))) > r1 - r0

    def _slip_motion(self, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
        """Gyro (rad/s) and specific force (m/s², offset removed) of rows [r0, r1) on the
        ring's running count, low-passed as the offline analysis prepares them (zero-phase, at
        ``IMU_CUTOFF_HZ``: these rows are past; each stretch between gaps on its own); NaN
        where the ring no longer holds them (:data:`kyphos.processing.clipslip.Motion`)."""
        assert self.fs is not None
        w = self._ring.rows(r0, r1)
        gyr, acc = w[:, 9:12], w[:, 6:9]
        ok = np.all(np.isfinite(w[:, 6:12]), axis=1)
        for a, b in runs(ok).tolist():  # per stretch between gaps (one or two)
            gyr[a:b] = lowpass(gyr[a:b], self.fs, IMU_CUTOFF_HZ)
            acc[a:b] = lowpass(acc[a:b], self.fs, IMU_CUTOFF_HZ)
        gyr[~ok] = np.nan
        acc[~ok] = np.nan
        return gyr, acc

    def _still_rows(self) -> np.ndarray:
        """The still flag of every row so far on the ring's running count (False where not
        held or not classified yet), as the offline analysis's ``activity.still``; and False
        for a ring's capacity of rows to come: the slip's motion rows (``_slip_motion``) may
        reach past the newest row, as NaN, and the still flags must be as long (validation
        14001 @104 stopped with a shape mismatch in ``clipslip.slip_motion_windows``)."""
        n = self._still.count
        out = np.zeros(n + self._still.capacity, bool)
        k = len(self._still)
        out[n - k:n] = self._still.last(k)[:, 0] == 1.0
        return out

    def _reexpress(self, old_m: np.ndarray, new_m: np.ndarray, from_s: float) -> None:
        """The kept rows from device time ``from_s`` on, flexion and lateral bend re-expressed
        in mounting ``new_m`` (they were in ``old_m``): the body frame's rotation becomes
        ``R_b · old_mᵀ · new_m``, and its third row gives both angles (vectorised over the
        ring; the axial angle, yaw less its slow reference, is left)."""
        buf = self._ring._buf
        ok = np.isfinite(buf[:, 1]) & (buf[:, 0] >= from_s)
        if not ok.any():
            return
        f, la = np.radians(buf[ok, 1]), np.radians(buf[ok, 2])
        r2 = np.column_stack([-np.sin(f), np.cos(f) * np.sin(la), np.cos(f) * np.cos(la)])
        r2 = r2 @ (old_m.T @ new_m)
        buf[ok, 1] = np.degrees(np.arctan2(-r2[:, 0], np.hypot(r2[:, 1], r2[:, 2])))
        buf[ok, 2] = np.degrees(np.arctan2(r2[:, 1], r2[:, 2]))

    @property
    def re_references(self) -> list[dict[str, Any]]:
        """The clip slips re-referenced live, as the report's ``re_references``
        (``{"t_s", "deg", "why"}``: where the slip was placed) with ``detected_s`` (when it
        was seen and the mounting changed)."""
        with self._lock:
            return self._rerefs()

    def _rerefs(self) -> list[dict[str, Any]]:
        return [] if self.clip_slip is None else [
            r.to_dict() for r in self.clip_slip.re_references]

    def _reref_note(self) -> str:
        slip = self.clip_slip
        if slip is None or not slip.re_references or self._t_last_s is None:
            return ""
        rr = slip.re_references[-1]
        if rr.withdrawn_s is not None:
            return ("clip re-reference undone" if self._t_last_s - rr.withdrawn_s <= REREF_NOTE_S
                    else "")
        return rr.message if self._t_last_s - rr.detected_s <= REREF_NOTE_S else ""

    def _calm_start(self, w: np.ndarray) -> int:
        """Index of the first row of ``w`` that begins ``LIVE_CALM_S`` at rest (gyro below
        ``QUIET_GYR``) within the first ``LIVE_CALM_SEARCH_S``; 0 when there is none."""
        assert self.fs is not None
        k = max(1, int(LIVE_CALM_S * self.fs))
        head = w[: int(LIVE_CALM_SEARCH_S * self.fs) + k, 9:12]
        calm = np.einsum("ij,ij->i", head, head) < QUIET_GYR**2  # NaN rows: not calm
        if len(calm) < k:
            return 0
        c = np.r_[0, np.cumsum(calm)]
        full = np.flatnonzero(c[k:] - c[:-k] == k)  # rows starting k calm rows
        return int(full[0]) if len(full) else 0

    def _standing_bend(self, lf: Lift, t: np.ndarray, tilt_deg: np.ndarray,
                       w: np.ndarray) -> None:
        """A finished standing bend: a lift, or, while the calibration bends are not decided
        and it reaches ``BEND_MIN``, held back until they are (:meth:`_opening_bends`); after
        a later ``c``, held until its guided bend's lever is fitted (or the prompt ends)."""
        i0, i1 = np.searchsorted(t, (lf.start_s, lf.end_s))
        deep = bool(np.any(tilt_deg[i0 : i1 + 1] >= np.degrees(BEND_MIN)))
        later = self.bend_taken and self.wearer is not None and self.wearer.drop == "closed"
        if later and lf.start_s >= self._later_from_s and (
                self._guide is not None or self._lever_wait is not None):
            # its rows, to name it again with the later bend's lever (the ring may have
            # moved past them by then: a prompt lasts up to guide_s)
            w0 = min(lf.start_s, window_start(lf))  # restyle's window starts there
            keep = (t >= w0 - LIFT_PAD_S - 0.5) & (t <= lf.end_s + LIFT_PAD_S + 0.5)
            self._held_rows[id(lf)] = w[keep].copy()
        if self._guide is not None and lf.end_s > self._guide[0]:
            self._guide_held.append((lf, deep))  # it may be the guided bend: wait for it
            return
        if self._lever_wait is not None and lf.start_s >= self._later_from_s:
            self._lever_wait.append(lf)  # the later bend's lever names it once fitted
            return
        if self._opening is None or not deep:
            self.lifts.append(_info(len(self.lifts) + 1, lf))
            return
        self._opening.append(lf)
        self._opening_bends(lf.end_s)

    def _excursions(self, t: np.ndarray, acc: np.ndarray, still: np.ndarray) -> None:
        """Add the window's forward excursions not seen before, found by ``auto_calibrate``'s
        rule (:func:`kyphos.processing.calibration.forward_excursions` on the gravity direction
        low-passed at 1 Hz, as it reads it) against the upright (``c``; before it, the median
        still posture of the window, as ``auto_calibrate`` takes the median quiet one). Not the
        lift finder's bends: its net-height gate, on the drifting live vertical acceleration,
        dropped the slow guided bend (validation 12001, 10020). An excursion counts once it
        has ended 1 s before the window's end (the zero-phase filter's edge)."""
        assert self.fs is not None and self.proc is not None
        fs = self.fs
        u, ok = _gravity_direction(acc, fs)
        if self._cal_method != "nominal":
            ref = self.proc.sensor_from_body[:, 2]
        elif np.any(ok & still):
            ref = np.median(u[ok & still], axis=0)
            ref = ref / np.linalg.norm(ref)
        else:
            return
        dev = np.arccos(np.clip(u @ ref, -1.0, 1.0))
        dev[~ok] = 0.0
        last = self._exc[-1][1] if self._exc else -np.inf
        new = False
        for i0, ipk, i1 in forward_excursions(dev, ok, fs):  # a few
            b0, b1 = float(t[i0]), float(t[min(i1, len(t) - 1)])
            if i1 >= len(t) - int(fs) or b0 <= last:
                continue  # not over yet, or seen before
            self._exc.append((b0, b1, float(np.degrees(dev[ipk]))))
            # the lever's window: to the first sample back under 15° (the end of the run
            # above BEND_MIN is mid-descent: the closed integral then reads a lever at its
            # bound; validation 11001, 11004)
            back = np.flatnonzero(dev[ipk:] < np.radians(15.0))
            e1 = float(t[min(len(t) - 1, ipk + int(back[0]))]) if len(back) else b1
            self._open_spans.append((b0, e1))
            self._open_rows.append(None)
            h = max(1, int(0.2 * fs))  # gravity in the sensor frame at the peak
            self._opening_up.append(np.mean(acc[max(0, ipk - h) : ipk + h + 1], axis=0))
            last, new = b1, True
        if new:  # at once; redone from the sequence once it is known
            self._sagittal(self._opening_up)

    def _opening_quiet(self, t: np.ndarray, still: np.ndarray, acc: np.ndarray) -> None:
        """The end of the quiet standing the stream opens with (the window still holds the
        stream's first sample), as the automatic calibration reads it for a single guided bend
        (``CAL_OPEN_S``, ``CAL_QUIET_S``, within 15° of the median still posture: the gravity
        direction ``acc`` in the sensor frame, as ``auto_calibrate`` measures it, so that it
        holds before ``c`` too: with the nominal mounting a clip pitched 19° read as a tilt
        past 15° and the guided bend was counted as a lift, validation seed 1001)."""
        from kyphos.metrics.episodes import runs

        u = acc / np.linalg.norm(acc, axis=1, keepdims=True)
        ok = still & np.all(np.isfinite(u), axis=1)
        if not ok.any():
            return
        med = np.median(u[ok], axis=0)
        med /= np.linalg.norm(med)
        near = np.nan_to_num(u @ med, nan=-1.0) > np.cos(np.radians(15.0))
        r = runs(ok & near)
        if not len(r) or t[r[0, 0]] - t[0] > CAL_OPEN_S:
            self._open_quiet_end_s = -np.inf  # decided: no opening quiet standing
            return
        a, b = int(r[0, 0]), int(r[0, 1])
        if b < len(t):  # the run has ended
            self._open_quiet_end_s = (float(t[b - 1]) if t[b - 1] - t[a] >= CAL_QUIET_S
                                      else -np.inf)

    def _opening_bends(self, t_now: float) -> None:
        """Decide the calibration bends once the excursions' sequence can no longer grow: a
        longer pause (no excursion started within ``CAL_GAP_S``: known once a bend of up to
        ``MAX_DURATION_S`` would have been seen), one that does not repeat the first, or
        ``CAL_BENDS[1]`` of them: the report's rule,
        :func:`kyphos.processing.calibration.calibration_sequence`, on the excursions as
        ``auto_calibrate`` finds them. The held bends overlapping a calibration bend are left
        out, the rest are lifts, counted late. Without an excursion, a held bend is a lift once
        the lift window has passed it (no excursion found later can overlap it)."""
        ob, ex = self._opening, self._exc
        if ob is None or self._guide is not None:  # the guided bend, asked for, decides
            return
        if not ex:
            keep = [lf for lf in ob if t_now - lf.end_s <= LIFT_WINDOW_S]
            for lf in ob[: len(ob) - len(keep)]:  # in time order: the oldest go first
                self.lifts.append(_info(len(self.lifts) + 1, lf))
            self._opening = keep
            return
        bends = [(b0, b1) for b0, b1, _ in ex]
        peaks = [pk for *_, pk in ex]
        # the excursions still form one repeated sequence (each close to the previous, peaks
        # close to the first's)
        repeated = all(bends[k][0] - bends[k - 1][1] <= CAL_GAP_S
                       and abs(peaks[k] - peaks[0]) <= CAL_PEAK_DEG for k in range(1, len(ex)))
        # a bend starting within CAL_GAP_S of the last one's end is seen whole by this time
        wait_s = CAL_GAP_S + MAX_DURATION_S + 1.0
        if repeated and len(ex) < CAL_BENDS[1] and t_now - bends[-1][1] <= wait_s:
            return
        seq = sorted(calibration_sequence(bends, peaks, self._open_quiet_end_s))
        self.calibration_bends_s = [bends[k] for k in seq]
        if seq and self.wearer is not None and self.wearer.drop == "closed":
            self._lever_seq = seq
            self._closed_lever()
        if seq:
            self._sagittal([self._opening_up[k] for k in seq])
        for lf in ob:  # the rest (or all, without a sequence) are lifts
            if not any(lf.start_s < b1 and lf.end_s > b0 for b0, b1 in self.calibration_bends_s):
                self.lifts.append(_info(len(self.lifts) + 1, lf))
        self._opening = None

    def guided_bend(self, start_s: float, end_s: float) -> None:
        """The guided calibration's forward bend, ``start_s``–``end_s`` in device s, given once
        it has ended (the view counts a bend about half a second after its end): the report
        takes this window from the session's calibration note (``calibration.from_windows``).
        As there, it alone is the calibration bend: the bends held back as a possible
        calibration sequence that do not overlap it are lifts, a bend overlapping it is never
        one, the sagittal axis is taken at its deepest sample and, with
        ``wearer.drop == "closed"``, the lever is fitted on it (from 15° before its deepest
        sample to 15° after, as for the automatic calibration bends). Without it the view
        finds the calibration bends by the automatic rule (:meth:`_opening_bends`): live, a
        slow guided bend could fail the lift finder's net-height gate and be missed, and lifts
        right after it could join it as a "sequence" (validation 12001; 16 of 180 sessions)."""
        with self._lock:
            self._guided_bend(float(start_s), float(end_s))

    def _guided_bend(self, b0: float, b1: float) -> None:
        # the first guided bend is the calibration bend; a later c's is added to it (no lift
        # either) and its lever replaces the wearer's from now on (below)
        later = self._guided is not None
        self._guided = (b0, b1)
        self.calibration_bends_s = self.calibration_bends_s + [(b0, b1)] if later else [(b0, b1)]
        held, self._opening = self._opening or [], None
        held += [lf for lf, _ in self._guide_held]  # later than the opening's
        self._guide, self._guide_held = None, []
        w = self._ring.last(len(self._ring))
        sel = np.flatnonzero((w[:, 0] >= b0) & (w[:, 0] <= b1) & np.isfinite(w[:, 6]))
        # a later bend's lever, fitted once its window has passed (below), names the lifts
        # from its c's upright on, as in the report: they wait for it
        wait = later and self.wearer is not None and self.wearer.drop == "closed" and len(sel)
        if self._lever_wait is not None:  # an earlier later bend's, not fitted: count them
            self._count_waiting(self._lever_wait)
        self._lever_wait = [] if wait else None
        for lf in held:  # held bends (a few): not the guided one, so lifts, counted late
            if not (lf.start_s < b1 and lf.end_s > b0):
                if self._lever_wait is not None and lf.start_s >= self._later_from_s:
                    self._lever_wait.append(lf)
                else:
                    self.lifts.append(_info(len(self.lifts) + 1, lf))
        # the rows kept are those of the lifts waiting (the guided bend's own are no lift)
        self._held_rows = {id(lf): self._held_rows[id(lf)] for lf in self._lever_wait or ()
                           if id(lf) in self._held_rows}
        if len(sel) and self.proc is not None:
            # gravity in the sensor frame at the window's deepest sample (from_windows' peak:
            # farthest from the upright), averaged over +-0.2 s as _standing_bend does
            acc = w[sel, 6:9]
            u = acc / np.linalg.norm(acc, axis=1, keepdims=True)
            ipk = int(np.argmin(u @ self.proc.sensor_from_body[:, 2]))
            h = max(1, int(0.2 * (self.fs or 100.0)))
            self._sagittal([np.mean(acc[max(0, ipk - h) : ipk + h + 1], axis=0)])
        if self.wearer is not None and self.wearer.drop == "closed" and len(sel):
            # the lever's window: from the last sample under 15° before the window's deepest
            # to the first under 15° after it, as for the automatic calibration bends (the
            # whole window, 6-8 s with its pads, integrates more of the live earth
            # acceleration's drift: the closed lever read 0.75 m, its bound, on validation
            # 11001 against the report's 0.379)
            tilt = np.degrees(act.tilt_from_angles(np.radians(w[:, 1]), np.radians(w[:, 2])))
            ipk = int(sel[np.nanargmax(tilt[sel])])
            low = np.flatnonzero(tilt[: ipk + 1] < 15.0)
            back = np.flatnonzero(tilt[ipk:] < 15.0)
            e0 = float(w[low[-1], 0]) if len(low) else b0
            e1 = float(w[min(len(w) - 1, ipk + int(back[0])), 0]) if len(back) else b1
            self._open_spans, self._open_rows, self._lever_seq = [(e0, e1)], [None], [0]

    def _guide_search(self, t: np.ndarray, acc: np.ndarray) -> None:
        """The guided bend after the prompt: the first forward excursion by the shared rule
        (:func:`kyphos.processing.calibration.forward_excursions`, as :meth:`_excursions`
        reads the window) against the upright just taken, whose deep part comes after the
        prompt and which starts within its time limit; its window runs from the last sample
        within ``GUIDE_NEAR_DEG`` of the upright to the first one back within it, and is taken
        once that lies 1 s before the window's end (the zero-phase filter's edge). Without one
        by the time limit (2 s later: the filter's edge and a run's 0.2 s), the prompt ends and
        the automatic rule decides the calibration bends."""
        assert self.fs is not None and self.proc is not None and self._guide is not None
        fs, (g0, g1) = self.fs, self._guide
        t_end = float(t[-1])
        u, ok = _gravity_direction(acc, fs)
        dev = np.arccos(np.clip(u @ self.proc.sensor_from_body[:, 2], -1.0, 1.0))
        dev[~ok] = 0.0
        for i0, ipk, _ in forward_excursions(dev, ok, fs):  # a few
            if t[ipk] <= g0 or t[i0] < g0 - CALIBRATE_WINDOW_S:
                continue  # bent before the prompt (or at the upright)
            if t[i0] > g1:
                break  # after the time limit
            back = np.flatnonzero(dev[ipk:] < np.radians(GUIDE_NEAR_DEG))
            if len(back) and ipk + back[0] < len(t) - int(fs):
                self._guide_found(float(t[i0]), float(t[ipk + int(back[0])]))
                return
            if t_end <= g1 + MAX_DURATION_S:  # still bent: wait for it to end
                return
            break
        if t_end > g1 + 2.0:
            self._guide_end(t_end)

    def _guide_found(self, b0: float, b1: float) -> None:
        up = self._guide_up
        self._guided_bend(b0, b1)
        self._guide_msg = ("calibration bend taken", (self._t_last_s or b1) + GUIDE_NOTE_S)
        if self.on_guided is not None:
            self.on_guided(up, (b0, b1))

    def _guide_end(self, t_now: float) -> None:
        """No guided bend within the time limit: the bends held for it go on as they would
        have (lifts, or held for the automatic rule), which decides the calibration bends."""
        held, self._guide, self._guide_held = self._guide_held, None, []
        self._held_rows.clear()  # no later bend: they keep the lever they were named with
        for lf, deep in held:
            if deep and self._opening is not None:
                self._opening.append(lf)
            else:
                self.lifts.append(_info(len(self.lifts) + 1, lf))
        self._guide_msg = ("no calibration bend seen: the earlier bend is kept" if self.bend_taken
                           else "no calibration bend seen: bends found automatically",
                           t_now + GUIDE_NOTE_S)
        if self.on_guided is not None:
            self.on_guided(self._guide_up, None)
        self._opening_bends(t_now)

    @property
    def bend_taken(self) -> bool:
        """Whether a guided bend has been taken (after an earlier ``c``)."""
        return self._guided is not None

    @property
    def guiding(self) -> bool:
        """Whether the view is asking for the guided bend now."""
        return self._guide is not None

    def _guide_text(self) -> str:
        t = self._t_last_s
        if t is None:
            return ""
        if self._guide is not None:
            left = max(0.0, self._guide[1] - t)
            return f"bend forward slowly once, then stand up straight ({left:.0f} s)"
        text, until = self._guide_msg
        return text if t <= until else ""

    def _sagittal(self, peaks: list[np.ndarray]) -> None:
        """The sagittal axis from the calibration bends (their gravity direction at the peak
        against the upright: :func:`kyphos.processing.calibration.bend_axis`, weighted by the
        bend angle as ``auto_calibrate`` weighs them), as the report takes it from the guided
        bend; only on an upright taken live (``c``; a given matrix is kept). Without it a clip
        turned on the back reads part of a bend as lateral bend, and live flexion in deep
        bends differed from the report's by up to 6° RMS (validation seed 15). Taken from the
        held opening bends as each ends, and again from the calibration sequence once it is
        known."""
        if self._cal_method not in ("upright", "upright+bend") or self.proc is None \
                or self._up_raw is None or not peaks:
            return
        up = self.proc.sensor_from_body[:, 2]
        axes, weights = [], []
        for a in peaks:
            ub = a / np.linalg.norm(a)
            c = np.cross(ub, up)
            nrm = float(np.linalg.norm(c))
            if np.isfinite(nrm) and nrm > 1e-9:
                axes.append(c / nrm)
                weights.append(float(np.arctan2(nrm, ub @ up)))
        if not axes:
            return
        y = (np.asarray(weights)[:, None] * np.asarray(axes)).sum(axis=0)
        y /= np.linalg.norm(y)
        old = self.proc.calibration_matrix.copy()
        self.proc.set_calibration(frame_from_axes(up, y), upright_raw=self._up_raw, left=y)
        if self.clip_slip is not None:  # the same upright: the slip baselines follow the axis
            self.clip_slip.recalibrated(old, self.proc.calibration_matrix)
        self._cal = self.proc.sensor_from_body
        self._cal_left = y
        self._cal_method = "upright+bend"

    def _sitting_upright(self, t: np.ndarray, flex: np.ndarray, activity: act.Activity) -> None:
        """Add the window's still-sitting samples not seen before to the histogram and update
        the sitting upright (the report's :func:`kyphos.metrics.posture.sitting_upright_deg`)."""
        assert self.fs is not None
        new = (t > self._sit_until) & activity.still & (activity.kind == act.SITTING)
        new &= np.isfinite(flex)
        self._sit_until = float(t[-1])
        if new.any():
            self._sit_hist += np.histogram(flex[new], _SIT_BINS)[0]
            # also per SIT_SEG_S of device time, so a re-reference can take out the stretch
            # seen through the slipped mounting (_drop_sitting)
            seg = np.floor(t[new] / SIT_SEG_S).astype(np.int64)
            for k in np.unique(seg):  # one or two segments per window
                h = np.histogram(flex[new][seg == k], _SIT_BINS)[0]
                self._sit_segs[int(k)] = self._sit_segs.get(int(k), 0) + h
        self._sit_upright_now()

    def _drop_sitting(self, from_s: float) -> None:
        """Take the still-sitting samples from the segment holding ``from_s`` on out of the
        sitting upright: a clip slip placed there was re-referenced only now, and those samples
        were measured through the slipped mounting (validation seeds 0–29 at 52 Hz: the live
        sitting upright up to 10.4° from the report's; the report re-references them)."""
        k0 = int(np.floor(from_s / SIT_SEG_S))
        for k in [k for k in self._sit_segs if k >= k0]:  # the segments since (a few)
            self._sit_hist -= self._sit_segs.pop(k)
        self.sitting_upright_deg = None
        self._sit_upright_now()

    def _sit_upright_now(self) -> None:
        assert self.fs is not None
        n = float(self._sit_hist.sum())
        if n >= SIT_UPRIGHT_MIN_S * self.fs:
            k = int(np.searchsorted(np.cumsum(self._sit_hist), SIT_UPRIGHT_PCT / 100.0 * n))
            self.sitting_upright_deg = float(np.clip(0.5 * (_SIT_BINS[k] + _SIT_BINS[k + 1]),
                                                     -SIT_UPRIGHT_MAX_DEG, SIT_UPRIGHT_MAX_DEG))

    def _event(self, t: float, ev: Event) -> None:
        if ev.kind == EventKind.SLOUCH_START:
            self.device_slouch = True
        elif ev.kind == EventKind.SLOUCH_END:
            self.device_slouch = False
        elif ev.kind == EventKind.MARKER:
            if not any(abs(m - t) < 2.0 for m in self.markers):  # the key press already showed it
                self.markers.append(t)
        elif ev.kind == EventKind.CALIBRATED:
            self._calibrate(t)
        self._alert_state()

    # -- actions -----------------------------------------------------------------------------
    def calibrate_now(self) -> tuple[float, float] | None:
        """Take the last second as upright (host side, e.g. on a replay); returns the window
        (device s) or None when there are no samples yet."""
        with self._lock:
            if self._t_last_s is None:
                return None
            return self._calibrate(self._t_last_s)

    def _calibrate(self, t: float) -> tuple[float, float] | None:
        """Upright = mean acc over the ``CALIBRATE_WINDOW_S`` before ``t`` (the analysis's
        rule for a CALIBRATED event; :func:`kyphos.processing.calibration.frame_from_axes`),
        less the accelerometer offset: re-derived by the causal chain whenever the offset
        estimate changes (the analysis takes its upright from samples with the offset removed)."""
        if self.proc is None or self.fs is None or not len(self._acc):
            return None
        seated = self.posture == "sitting"
        if seated and self._guide is not None:  # a prompt still running ends without a bend
            self._guide_end(t)
        k = int(CALIBRATE_WINDOW_S * self.fs)
        up = np.mean(self._acc.last(k), axis=0)
        if not np.all(np.isfinite(up)) or np.linalg.norm(up) < 1e-6:
            return None
        # a sagittal axis found from the calibration bends is kept (else the nominal one); a
        # later c keeps that of the mounting in use, a clip slip's turn included, as the report
        # takes a later calibration (kyphos.analysis.find_rerefs_between)
        left = self.proc.sensor_from_body[:, 1].copy() if self.calibrated else self._cal_left
        m = frame_from_axes(up - self.proc.acc_bias, left)
        if self._lever_wait is not None:  # a later bend's lever still to come: the lifts
            # waiting for it are counted with the lever in use (rare: c again within seconds)
            self._count_waiting(self._lever_wait)
            self._lever_wait = None
        self._reset_slips()  # a new upright: clip slips are judged from it
        self.proc.set_calibration(m, upright_raw=up, left=left)
        m = self.proc.sensor_from_body
        self._up_raw = up
        self._cal = m
        self.calibrated = True
        self._cal_method = "upright" if self._cal_left is None else "upright+bend"
        self.calibrations.append(t)
        self.calibrations_sitting.append(seated)
        window = (t - CALIBRATE_WINDOW_S, t)
        if seated:  # no bend asked for: say why, and how to give one
            self._guide_msg = (SEATED_NOTE, t + SEATED_NOTE_S)
        elif self.guide_s:  # ask for the guided bend, after a later c too: the wearer may have
            # re-clipped, and that bend names the lifts from then on (its lever), as in the
            # report (kyphos.analysis.later_levers)
            self._guide, self._guide_up = (t, t + float(self.guide_s)), window
            if self.bend_taken:  # lifts from this upright on wait for the later bend's lever
                self._later_from_s = window[0]
        if self.on_calibrated is not None:
            self.on_calibrated(*window)
        return window

    def seated_keep(self) -> bool:
        """``c`` pressed: True when the wearer is seen sitting and an upright has been taken
        standing (or given): the calibration is kept and the banner says so (SEATED_KEPT)."""
        with self._lock:
            standing = self._cal_method == "given" or not all(self.calibrations_sitting)
            if self.posture != "sitting" or not self.calibrated or not standing:
                return False
            t = self._t_last_s if self._t_last_s is not None else 0.0
            self._guide_msg = (SEATED_KEPT, t + SEATED_NOTE_S)
            return True

    def _reset_slips(self) -> None:
        """A new upright reference: the clip-slip detector starts over from it (what it found
        before stays in its record) and the mounting is the new calibration's."""
        if self.clip_slip is not None:
            self.clip_slip.reset()
        if self.proc is not None:
            self.proc.turn = np.eye(3)

    def add_marker(self) -> float | None:
        with self._lock:
            if self._t_last_s is not None:
                self.markers.append(self._t_last_s)
            return self._t_last_s

    def set_link(self, *, health: dict[str, Any] | None = None, connected: bool | None = None,
                 status_text: str | None = None) -> None:
        with self._lock:
            if health is not None:
                self.health = health
            if connected is not None:
                self.connected = connected
            if status_text is not None:
                self.status_text = status_text

    # -- output ------------------------------------------------------------------------------
    def host_us_of(self, t_s: float) -> float | None:
        """Host time (µs since the epoch) when the sample at device time ``t_s`` was taken:
        ``device_to_host`` if set (exact on the virtual board), else the lower envelope of
        receive time − sample time (so the fastest frame's link delay counts as zero)."""
        if self.device_to_host is not None:
            return self.device_to_host(t_s)
        if self._offset_us is None:
            return None
        return t_s * 1e6 + self._offset_us

    def validity(self) -> plausibility.Validity:
        """The report's bar for a score (:func:`kyphos.processing.plausibility.rules`), on
        what the live view knows now: gravity at rest in the kept samples, the sample rate,
        the upright reference (:data:`_CAL_CONFIDENCE`) and the time measured so far. So the
        live lift panel scores a lift only where the report of the same recording would."""
        with self._lock:
            return self._validity()

    def may_coach(self) -> bool:
        """Whether a slouch alert may reach the wearer (sound, buzz): an upright reference and
        angles that can be trusted (:meth:`validity`). Takes no lock: for ``on_alert``, which
        runs inside :meth:`ingest` with the lock held."""
        return self.calibrated and self._validity().angles_trusted

    def _validity(self) -> plausibility.Validity:
        v = plausibility.Validity()
        if self.fs is None or not self.samples:
            v.valid = v.angles_trusted = v.lifts_trusted = False
            v.warnings = ["no samples yet"]
            return v
        fails = plausibility.rules(
            v, gravity_ms2=self._gravity(), fs=self.fs, calibration_method=self._cal_method,
            calibration_confidence=_CAL_CONFIDENCE[self._cal_method],
            worn_s=self.samples / self.fs, upright_hint=LIVE_UPRIGHT_HINT)
        v.valid, v.warnings = not fails, fails
        return v

    def _gravity(self) -> float:
        """Acceleration magnitude at rest in the kept samples (m/s²; NaN: none yet), as the
        analysis reads it (~13 samples/s, :func:`kyphos.recording.units.rest_gravity`), at
        most once a second of device time (1.4 ms on 60 s kept: every snapshot was too often)."""
        assert self.fs is not None
        t = self._t_last_s if self._t_last_s is not None else -np.inf
        if self._grav is not None and 0.0 <= t - self._grav[0] < 1.0:
            return self._grav[1]
        acc = self._ring.last(self._ring.capacity)[:: max(1, int(self.fs // 13)), 6:9]
        if self.proc is not None:  # as the chip reports it: the offset fit must not hide a
            acc = acc + self.proc.acc_bias  # wrong scale (it would read as a huge offset)
        acc = acc[np.isfinite(acc).all(axis=1)]
        g = rest_gravity(acc, w=4) if len(acc) >= 8 else float("nan")
        self._grav = (t, g)
        return g

    def _shown_lifts(self, v: plausibility.Validity) -> tuple[int, LiftInfo | None]:
        """The lift count and last lift the window shows under validity ``v``."""
        if not (v.lifts_trusted and v.angles_trusted):
            return 0, None
        last = self.lifts[-1] if self.lifts else None
        if last is not None and not v.valid:  # below the bar: no score, no praise
            last = replace(last, score=None,
                           reason="" if last.reason == plausibility.PRAISE else last.reason)
        return len(self.lifts), last

    def snapshot(self, window_s: float | None = None) -> View:
        """Copies of the newest ``window_s`` of traces and the counters, for one frame."""
        with self._lock:
            v = self._validity()
            lift_count, last_lift = self._shown_lifts(v)
            fs = self.fs or 100.0
            w = self._ring.last(int((window_s or self.window_s) * fs) + 2).copy()
            t_now = self._t_last_s if self._t_last_s is not None else float("nan")
            flex_now = float(w[-1, 1]) if len(w) else float("nan")
            newest = self.host_us_of(t_now) if self._t_last_s is not None else None
            return View(
                t=w[:, 0], flexion=w[:, 1], lateral=w[:, 2], axial=w[:, 3], t_now=t_now,
                newest_host_us=None if newest is None else int(newest),
                newest_recv_us=self._newest_recv_us,
                flex_now=flex_now,
                zone=int(zone_index(flex_now)) if np.isfinite(flex_now) else -1,
                zone_s=self.zone_s.copy(), lift_count=lift_count, last_lift=last_lift,
                slouching=self.slouching,
                slouch_s=(t_now - self._slouch_since) if self._slouch_since is not None else 0.0,
                alerts=self.alerts, calibrated=self.calibrated, health=dict(self.health),
                battery_pct=self.battery_pct, connected=self.connected,
                status_text=self.status_text, markers=list(self.markers), samples=self.samples,
                valid=v.valid, angles_trusted=v.angles_trusted, lifts_trusted=v.lifts_trusted,
                warnings=list(v.warnings), re_references=self._rerefs(),
                reref_note=self._reref_note(), guide_note=self._guide_text(),
                wearer=(self.wearer.to_dict() if self.wearer is not None
                        and self.wearer.hip_given else None),
                **self._bias_view(),
            )

    def _bias_view(self) -> dict[str, Any]:
        """The offset's state for the view: mg per axis once estimated (or given), and the
        still postures behind it."""
        proc = self.proc
        if proc is None:
            return {}
        est = proc.bias_estimator
        if est is not None and est.fit is None and est.initial is None:
            return {"acc_bias_mg": None, "bias_postures": est.postures}
        mg = np.asarray(proc.acc_bias) / G * 1e3
        return {"acc_bias_mg": (float(mg[0]), float(mg[1]), float(mg[2])),
                "bias_postures": est.postures if est is not None else 0}

