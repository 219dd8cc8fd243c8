"""Units and axes of foreign IMU data, read from the data itself (used by the CSV loader).

A CSV file from another IMU may be in g or mg instead of m/s², deg/s instead of rad/s, ms or
µs instead of s, and in another axis convention than the kyphos sensor frame (x towards the
head, y to the wearer's left, z out of the back; docs/protocol.md). Three pieces of evidence,
none of which depends on the unit being checked:

* **gravity at rest**: the median acceleration magnitude over still stretches is 1 g, which is
  9.81 in m/s², 1 in g and 1000 in mg — candidates a factor ≥ 9.8 apart, so a reading within
  ±15 % of one of them names the unit;
* **the sample step**: an IMU samples at ``RATE_BAND_HZ``; the median time step read in s, ms and
  µs gives rates a factor 1000 apart, so usually only one unit lands in the band;
* **gyroscope against accelerometer**: while the sensor is nearly still, the direction of
  gravity ``u`` (unit accelerometer vector, sensor frame) turns as ``du/dt = u × ω``
  (ω in rad/s, t in s; the derivative of a fixed earth vector seen from a rotating frame).
  Fitting ``du/dt_raw = k (u × ω_raw)`` on the raw numbers gives ``k = c_t · c_ω``, the product
  of the true time factor (1, 10⁻³, 10⁻⁶ s per unit) and gyro factor (1 or π/180 rad/s per
  unit). The six products are ≥ 17× apart, so a good fit names both units at once; a negative
  ``k`` means the gyroscope's axes do not match the accelerometer's.

Axes: while the wearer stands or sits, gravity points along the sensor axis that is "up"
(kyphos +x); in short deep forward bends it tips towards the back (kyphos +z). When both are
clear, the signed axis permutation that maps the file's axes to the kyphos frame follows.

A unit or axis is changed only when the evidence is unambiguous, and the change is reported in
a note; otherwise :class:`~kyphos.errors.RecordingError` names the flag to give
(``--acc-unit``, ``--gyr-unit``, ``--time-unit``, ``--axes``). Thresholds are kyphos choices,
documented in docs/recording.md ("Units and axes").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kyphos.errors import RecordingError

G0 = 9.80665  # standard gravity, m/s² (CGPM 1901; the unit "g" of accelerometer datasheets)
ACC_UNITS = {"m/s2": 1.0, "m/s^2": 1.0, "g": G0, "mg": G0 * 1e-3}
GYR_UNITS = {"rad/s": 1.0, "deg/s": math.pi / 180.0, "dps": math.pi / 180.0}
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}
#: Sample rates an IMU recording can have (Hz): MEMS IMUs run from ~1 Hz to 6.66 kHz (LSM6DSO
#: ODR table) — 10 kHz leaves room.
RATE_BAND_HZ = (0.5, 10000.0)
#: Gravity at rest must be within this fraction of 1 g in the unit it is read in.
GRAVITY_TOL = 0.15
#: A gyroscope fit names the units when its k is within this factor of c_t·c_ω ...
K_TOL = 1.5
#: ... the fit's correlation is at least this, ...
MIN_FIT_CORR = 0.7
#: ... and gravity turned through at least this much (rad) in the samples fitted.
MIN_TURN_RAD = 1.0
#: Moving-mean window of the fit, s: long enough to average out steps (~2 Hz) and impacts,
#: whose linear acceleration would be read as a turn of gravity (k ≈ 1.2–1.3 with 0.3 s on
#: walking sessions of the validation family, 1.03–1.09 with 0.6 s), short against bends.
FIT_WINDOW_S = 0.6
#: A gyroscope cannot read more than this in rad/s (2000 °/s full scale is 34.9 rad/s); more is
#: deg/s for sure.
MAX_RAD_S = 35.0
#: Axis evidence: "up" is the axis with at least this share of gravity (cos 40°), and the
#: forward-bend direction's mean resultant must be at least this long.
UP_AXIS_COS = 0.766
BEND_RESULTANT = 0.6
#: Forward-bend excursions: gravity at least this far from the resting direction (35°), for
#: BEND_S seconds (short: lying down is long and may go either way).
BEND_MIN_RAD = math.radians(35.0)
BEND_S = (0.3, 15.0)
_AX = "xyz"


@dataclass
class UnitCheck:
    """The units and axes in force for a file, and notes on what was inferred from the data."""

    time_unit: str
    acc_unit: str
    gyr_unit: str
    axes: str = "x,y,z"
    notes: list[str] = field(default_factory=list)


def _box(x: np.ndarray, w: int, step: int = 1) -> np.ndarray:
    """Moving mean over ``w`` samples along axis 0, evaluated at every ``step``-th sample
    (edges use fewer samples). One cumulative sum, then a gather of ``len(x) / step`` rows."""
    x = np.asarray(x, float)
    n = len(x)
    centre = np.arange(0, n, max(1, step))
    if w <= 1 or n < 2:
        return x[centre]
    c = np.empty((n + 1, *x.shape[1:]))
    c[0] = 0.0
    np.cumsum(x, axis=0, out=c[1:])
    lo = np.maximum(centre - w // 2, 0)
    hi = np.minimum(centre + (w - w // 2), n)
    den = (hi - lo).reshape(-1, *([1] * (x.ndim - 1)))
    return np.asarray((c[hi] - c[lo]) / den)


def _still(mag: np.ndarray, w: int, step: int = 1) -> np.ndarray:
    """At every ``step``-th sample: in a stretch where |acc| hardly varies (moving std < 3 % of
    the median)."""
    m = _box(mag, w, step)
    var = np.maximum(_box(mag * mag, w, step) - m * m, 0.0)
    return np.asarray(np.sqrt(var) < 0.03 * max(float(np.median(m)), 1e-12))


def rest_gravity(acc: np.ndarray, w: int = 25) -> float:
    """Acceleration magnitude at rest, in the file's unit: median over still stretches
    (evaluated every ``w // 2`` samples)."""
    mag = np.linalg.norm(np.asarray(acc, float), axis=1)
    if len(mag) == 0:
        return float("nan")
    step = max(1, w // 2)
    still = _still(mag, w, step)
    at = mag[::step]
    return float(np.median(at[still])) if still.sum() >= max(3, len(at) // 20) else float(
        np.median(at))


def rate_candidates(t_raw: np.ndarray) -> dict[str, float]:
    """{time unit: rate in Hz} for the units that put the median step in ``RATE_BAND_HZ``."""
    dt = np.diff(np.asarray(t_raw, float))
    dt = dt[dt > 0]
    if len(dt) == 0:
        return {}
    step = float(np.median(dt))
    out = {}
    for unit, c in TIME_UNITS.items():
        fs = 1.0 / (step * c)
        if RATE_BAND_HZ[0] <= fs <= RATE_BAND_HZ[1]:
            out[unit] = fs
    return out


@dataclass
class GyroFit:
    k: float  # du/dt_raw ≈ k·(u × ω_raw)
    corr: float  # correlation of the fit, −1 … 1
    turn_rad: float  # how far gravity turned in the fitted samples

    @property
    def conclusive(self) -> bool:
        return abs(self.corr) >= MIN_FIT_CORR and self.turn_rad >= MIN_TURN_RAD


def _decimated(t: np.ndarray, x: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Moving mean over ``w`` samples at every ``max(1, w // 2)``-th sample."""
    step = max(1, w // 2)
    return t[::step], _box(x, w, step)


def gyro_fit(t_raw: np.ndarray, acc: np.ndarray, gyr_raw: np.ndarray, fs_guess: float,
             rest: float | None = None) -> GyroFit:
    """Fit ``du/dt = k (u × ω)`` on raw numbers over nearly still samples (see module doc).

    ``fs_guess`` (Hz in the time unit believed) only sets the smoothing window
    (``FIT_WINDOW_S``);
    ``rest`` is :func:`rest_gravity` of ``acc`` if already known.
    """
    n = len(t_raw)
    if n < 8:
        return GyroFit(float("nan"), 0.0, 0.0)
    w = max(1, int(round(FIT_WINDOW_S * fs_guess)))
    t = np.asarray(t_raw, float)
    mag = np.linalg.norm(acc, axis=1)
    rest = rest_gravity(acc) if rest is None else rest
    td, a = _decimated(t, np.asarray(acc, float), w)
    _, g = _decimated(t, np.asarray(gyr_raw, float), w)
    _, m = _decimated(t, mag, w)
    if len(td) < 5:
        return GyroFit(float("nan"), 0.0, 0.0)
    an = np.linalg.norm(a, axis=1)
    ok = an > 1e-12
    u = np.zeros_like(a)
    u[ok] = a[ok] / an[ok, None]
    du = np.gradient(u, td, axis=0)
    v = np.cross(u, g)
    # nearly still: |acc| close to gravity, so the accelerometer sees (mostly) gravity
    sel = ok & (np.abs(m - rest) < 0.1 * rest) & np.all(np.isfinite(du), axis=1)
    if sel.sum() < 5:
        return GyroFit(float("nan"), 0.0, 0.0)
    dus, vs = du[sel], v[sel]
    num = float(np.sum(dus * vs))
    dd, vv = float(np.sum(dus * dus)), float(np.sum(vs * vs))
    if dd <= 0 or vv <= 0:
        return GyroFit(float("nan"), 0.0, 0.0)
    dts = np.gradient(td)[sel]
    turn = float(np.sum(np.linalg.norm(dus, axis=1) * dts))
    return GyroFit(num / vv, num / math.sqrt(dd * vv), turn)


def parse_axes(spec: str) -> np.ndarray:
    """``--axes`` value → (3, 3) matrix ``P`` with ``kyphos = P @ file`` (rows: kyphos x, y, z).

    ``spec`` names, for kyphos x, y and z in turn, the file's axis (with an optional sign) that
    points that way, e.g. ``-x,-y,z`` for an IMU whose x points to the feet and y to the right.
    """
    parts = [p.strip().lower() for p in str(spec).split(",")]
    bad = RecordingError(
        f"--axes {spec!r}: give three signed file axes for kyphos x,y,z, each of x, y, z once "
        "(e.g. --axes=-x,-y,z)"
    )
    if len(parts) != 3:
        raise bad
    p = np.zeros((3, 3))
    for row, part in enumerate(parts):
        sign = -1.0 if part.startswith("-") else 1.0
        name = part.lstrip("+-")
        if name not in _AX:
            raise bad
        p[row, _AX.index(name)] = sign
    if sorted(np.flatnonzero(p)[i] % 3 for i in range(3)) != [0, 1, 2]:
        raise bad
    if np.linalg.det(p) < 0:
        raise RecordingError(
            f"--axes {spec!r} is a mirror image (left-handed), which no IMU frame is: flip the "
            "sign of one more axis"
        )
    return p


def axes_spec(p: np.ndarray) -> str:
    """The ``--axes`` spelling of a signed permutation matrix."""
    out = []
    for row in np.asarray(p):
        j = int(np.flatnonzero(row)[0])
        out.append(("-" if row[j] < 0 else "") + _AX[j])
    return ",".join(out)


@dataclass
class AxesGuess:
    """What the data say about the axes: ``perm`` (kyphos = perm @ file) to apply, or None;
    ``note`` says what was applied; ``doubt`` says why the axes cannot be told (the analysis
    then stops naming ``--axes``, while the samples can still be loaded and inspected)."""

    perm: np.ndarray | None = None
    note: str = ""
    doubt: str = ""


def detect_axes(time: np.ndarray, acc: np.ndarray, fs: float) -> AxesGuess:
    """The signed axis permutation that brings the file into the kyphos frame (module doc).

    Nothing to do when the data already look like the kyphos frame (x up at rest and, if there
    are deep bends, bends tipping towards +z) or when x is up and there is too little evidence;
    a ``doubt`` when another axis is up and forward cannot be told.
    """
    n = len(time)
    if n < 8 or fs <= 0:
        return AxesGuess()
    w = max(1, int(round(0.5 * fs)))
    td, a = _decimated(np.asarray(time, float), np.asarray(acc, float), w)
    fsd = fs / max(1, w // 2)
    mag = np.linalg.norm(a, axis=1)
    ok = mag > 1e-12
    u = np.zeros_like(a)
    u[ok] = a[ok] / mag[ok, None]
    still = ok & _still(np.linalg.norm(np.asarray(acc, float), axis=1), w, max(1, w // 2))
    if still.sum() < 3:
        still = ok
    med = np.median(u[still], axis=0)
    if not np.any(med):
        return AxesGuess()
    med = med / np.linalg.norm(med)
    i_up = int(np.argmax(np.abs(med)))
    s_up = 1.0 if med[i_up] > 0 else -1.0
    up_name = ("" if s_up > 0 else "-") + _AX[i_up]
    if abs(med[i_up]) < UP_AXIS_COS:
        if i_up == 0 and s_up > 0:
            return AxesGuess()
        return AxesGuess(doubt=(
            f"at rest gravity points between the file's axes ({np.round(med, 2).tolist()}), "
            "so which one is up (kyphos x, towards the head) cannot be told: give --axes "
            "(e.g. --axes=-x,-y,z; docs/recording.md)"))
    # short deep excursions away from the resting direction: forward bends
    ang = np.arccos(np.clip(u @ med, -1.0, 1.0))
    big = ok & (ang > BEND_MIN_RAD)
    edges = np.diff(np.concatenate([[0], big.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    length = (stops - starts) / fsd
    keep = (length >= BEND_S[0]) & (length <= BEND_S[1])
    sel = np.zeros(len(u), bool)
    for s0, s1 in zip(starts[keep], stops[keep], strict=True):  # per bend (few)
        sel[s0:s1] = True
    d = u[sel] - np.outer(u[sel] @ med, med)
    dn = np.linalg.norm(d, axis=1)
    forward = None
    if int(keep.sum()) >= 2 and np.any(dn > 1e-9):
        unit_d = d[dn > 1e-9] / dn[dn > 1e-9, None]
        mean_d = unit_d.mean(axis=0)
        r = float(np.linalg.norm(mean_d))
        mean_d[i_up] = 0.0
        j = int(np.argmax(np.abs(mean_d)))
        if r >= BEND_RESULTANT and abs(mean_d[j]) >= 0.8 * r:
            forward = (j, 1.0 if mean_d[j] > 0 else -1.0)
    if forward is None:
        if i_up == 0 and s_up > 0:
            return AxesGuess()
        return AxesGuess(doubt=(
            f"at rest the file's {up_name} axis points up, but the kyphos frame has +x up "
            "(towards the head), and there are no clear forward bends to tell front from back: "
            "give --axes (e.g. --axes=-x,-y,z for x towards the feet; --axes=x,y,z to take the "
            "file as it is; docs/recording.md)"))
    p = np.zeros((3, 3))
    p[0, i_up] = s_up
    p[2, forward[0]] = forward[1]
    p[1] = np.cross(p[2], p[0])  # y = z × x
    if np.allclose(p, np.eye(3)):
        return AxesGuess()
    spec = axes_spec(p)
    return AxesGuess(p, (
        f"the file is not in the kyphos sensor frame: at rest its {up_name} axis points up and "
        f"{int(keep.sum())} forward bends tip towards its "
        f"{('' if forward[1] > 0 else '-') + _AX[forward[0]]} axis, so it was read as "
        f"--axes={spec} (give --axes to say so)"
    ))


def check_axes(acc_kyphos: np.ndarray, spec: str) -> None:
    """Given axes must not leave kyphos x pointing down at rest (a wearer is not upside down;
    lying down is possible, so a sideways x is accepted), else RecordingError naming --axes;
    silent when there is too little still data to say."""
    a = np.asarray(acc_kyphos, float)
    if len(a) < 8:
        return
    mag = np.linalg.norm(a, axis=1)
    still = _still(mag, 25, 12) & (mag[::12] > 1e-12)
    if still.sum() < 3:
        return
    med = np.median(a[::12][still] / mag[::12][still, None], axis=0)
    nrm = float(np.linalg.norm(med))
    if nrm > 0 and med[0] / nrm < -UP_AXIS_COS:
        i = int(np.argmax(np.abs(med)))
        up = ("" if med[i] > 0 else "-") + _AX[i]
        raise RecordingError(
            f"with --axes={spec} gravity at rest points along kyphos {up}: the wearer's head "
            "would be down; kyphos x points towards the head: check --axes (docs/recording.md)"
        )


def check_units(
    t_raw: np.ndarray,
    acc_raw: np.ndarray,
    gyr_raw: np.ndarray,
    *,
    time_unit: str | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    where: str = "the file",
) -> UnitCheck:
    """Decide the units of raw columns from the data (module doc); given units are checked.

    A unit that is None was not given: the data decide when the evidence is unambiguous (and a
    note says so), else SI is assumed if the data allow it, else RecordingError names the flag.
    A given unit that the data contradict is an error, naming the unit the data point to.
    """
    notes: list[str] = []
    t_raw = np.asarray(t_raw, float)
    # --- acceleration: gravity at rest
    g_rest = rest_gravity(acc_raw)
    acc_ok = [u for u in ("m/s2", "g", "mg") if abs(g_rest * ACC_UNITS[u] / G0 - 1) < GRAVITY_TOL]
    if acc_unit is not None:
        if abs(g_rest * ACC_UNITS[acc_unit] / G0 - 1) >= GRAVITY_TOL:
            hint = f" (the data look like {acc_ok[0]})" if acc_ok else ""
            raise RecordingError(
                f"{where}: gravity at rest reads {g_rest:.4g} {acc_unit} = "
                f"{g_rest * ACC_UNITS[acc_unit]:.3g} m/s², not 9.81{hint}: check --acc-unit"
            )
        acc_u = acc_unit
    elif acc_ok:
        acc_u = acc_ok[0]
        if acc_u != "m/s2":
            notes.append(f"acceleration read as {acc_u}: gravity at rest is {g_rest:.4g} in the "
                         f"file (9.81 m/s² = 1 g = 1000 mg; give --acc-unit {acc_u} to say so)")
    else:
        raise RecordingError(
            f"{where}: gravity at rest reads {g_rest:.4g}, which is not 1 g in m/s² (9.81), "
            "g (1) or mg (1000): give --acc-unit, or convert raw counts first"
        )
    # --- time and gyroscope
    rates = rate_candidates(t_raw)
    t_cands = [time_unit] if time_unit is not None else list(rates)
    if time_unit is not None and time_unit not in rates:
        step = float(np.median(np.diff(t_raw))) if len(t_raw) > 1 else float("nan")
        raise RecordingError(
            f"{where}: a median time step of {step:.4g} {time_unit} is "
            f"{1 / (step * TIME_UNITS[time_unit]):.3g} Hz, not an IMU rate "
            f"({RATE_BAND_HZ[0]:g}–{RATE_BAND_HZ[1]:g} Hz): check --time-unit"
        )
    if not t_cands:
        step = float(np.median(np.diff(t_raw))) if len(t_raw) > 1 else float("nan")
        raise RecordingError(
            f"{where}: a median time step of {step:.4g} is no IMU rate in s, ms or us: "
            "check the time column (--time-unit)"
        )
    g_cands = [gyr_unit] if gyr_unit is not None else ["rad/s", "deg/s"]
    fit = gyro_fit(t_raw, acc_raw, gyr_raw, rates.get(t_cands[0], 100.0), g_rest)
    combos = [(tu, gu) for tu in t_cands for gu in g_cands]
    if fit.conclusive:
        if fit.k < 0:
            raise RecordingError(
                f"{where}: the gyroscope turns the opposite way to the accelerometer's gravity "
                "(fit k < 0): its axes or signs do not match the accelerometer's"
            )
        match = [(tu, gu) for tu, gu in combos
                 if abs(math.log(fit.k / (TIME_UNITS[tu] * GYR_UNITS[gu]))) < math.log(K_TOL)]
        if len(match) != 1:
            given = " and ".join(f"--{n} {v}" for n, v in (("time-unit", time_unit),
                                                          ("gyr-unit", gyr_unit)) if v)
            raise RecordingError(
                f"{where}: the gyroscope and the accelerometer disagree by a factor "
                f"{fit.k:.3g} (1 if both are right{', with ' + given if given else ''}): "
                "check --gyr-unit and --time-unit"
            )
        tu, gu = match[0]
    else:
        if len(t_cands) > 1:
            desc = ", ".join(f"{rates[u]:.3g} Hz if {u}" for u in t_cands)
            raise RecordingError(
                f"{where}: the time step fits more than one unit ({desc}) and the data do not "
                "move enough to tell: give --time-unit"
            )
        tu = t_cands[0]
        peak = float(np.percentile(np.abs(np.asarray(gyr_raw, float)), 99.9)) if len(
            gyr_raw) else 0.0
        if gyr_unit is not None:
            gu = gyr_unit
            if peak * GYR_UNITS[gu] > MAX_RAD_S:
                raise RecordingError(
                    f"{where}: the gyroscope reads up to {peak:.4g} {gu} = "
                    f"{peak * GYR_UNITS[gu]:.3g} rad/s, more than any gyroscope measures: check "
                    "--gyr-unit"
                )
        elif peak > MAX_RAD_S:
            gu = "deg/s"
            notes.append(f"rotation rate read as deg/s: the gyroscope column reaches {peak:.4g}, "
                         f"more than any gyroscope measures in rad/s ({MAX_RAD_S:g}); give "
                         "--gyr-unit deg/s to say so")
        else:
            gu = "rad/s"
    if time_unit is None and tu != "s":
        notes.append(f"time read as {tu}: the median step of "
                     f"{float(np.median(np.diff(t_raw))):.4g} is {rates[tu]:.3g} Hz in {tu}"
                     + (", and the gyroscope confirms it" if fit.conclusive else "")
                     + f" (give --time-unit {tu} to say so)")
    if gyr_unit is None and gu != "rad/s" and fit.conclusive:
        notes.append("rotation rate read as deg/s: in rad/s the gyroscope would turn "
                     f"{1 / fit.k * TIME_UNITS[tu]:.3g}× faster than gravity does in the "
                     "accelerometer (give --gyr-unit deg/s to say so)")
    return UnitCheck(tu, acc_u, gu, notes=notes)
