"""Clip slip: find where the sensor's mounting on the trunk changed during a recording, and
re-reference the trunk angles from there.

A clip that tips on the back rotates the sensor against the trunk, so every later posture is
seen through a wrong calibration: upright standing reads as a constant flexion and lateral
bend. Postures a person returns to — walking and quiet upright standing — are the references:

1. :func:`reference_postures` — the gravity direction in sensor coordinates, averaged over
   each walking bout and each still standing (or sitting) period of at least ``REF_MIN_S``
   whose two ends agree (:func:`is_reference`: a slouch that sets in inside one "still" sit
   makes its mean no one posture; it only places slips).
2. :func:`find_slips` — each reference is expressed in the body frame of the mounting in force;
   the first reference of each kind after a (re-)calibration is that kind's baseline (quiet
   standing's baseline is the calibrated upright itself). A reference that deviates from its
   baseline by more than ``SLIP_MIN_DEG`` (and at most ``SLIP_MAX_DEG``: beyond, it is a held
   bend, not a reference) is a slip if the next such walk or quiet stand (a sitting posture is
   chosen too freely to confirm one) deviates by the same rotation (within ``SLIP_AGREE_DEG``): a slouch or a lean is
   not kept by the following walk or stand, a slip is. The new mounting is the old one turned
   by the smallest rotation that brings the reference back onto its baseline (a turn about the
   vertical cannot be seen by gravity: it is taken from the held forward bends before and after
   the slip, :func:`_turn_by_held_bends`). The slip is placed by a change
   point over the still postures and walks since the previous slip (probes, ≥ ``PROBE_MIN_S``;
   :func:`place_slip`): where the most of the walks and quiet stands that one mounting explains
   agree (old before, new after); a step between two still postures of the same kind that
   the slip's rotation undoes places it within the movement between them (the mounting
   blended across it: a clip moves when the wearer does; a step over one reach or bend out and back counts too, and a walk
   is split where its mean gravity direction changes; the posture such a step enters casts
   no vote for the old mounting: it is the posture before, the clip turned); sits break a tie,
   read against the wearer's sitting baseline, or the first sit after the slip when there is
   none yet (:func:`later_sitting_base`); a tie goes to the middle of what cannot be told
   apart. Offline, the slip's own turn (:func:`slip_motion_windows`) decides first among
   several steps the slip undoes, over a step over an excursion where the walks and stands
   tie (the one matching turn in another gap of that tie) — or over a step between held
   postures whose own movement did not turn as the slip —, and among tied places, and alone may place
   a slip that a sit showed after that sit's start.
3. :func:`reref_angles` — trunk angles with each mounting from its slip on.

The live view (:class:`kyphos.processing.causal.LiveClipSlip`) runs the same rule causally with
the pieces :func:`find_slips` is made of: :func:`is_reference`, :func:`confirm_slip`, :func:`place_slip`,
:func:`refine_mountings`, :func:`later_stands_keep`, :func:`stands_agree`, :func:`angle_deg`
and :data:`UPRIGHT`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from kyphos.processing import params as P
from kyphos.processing.angles import Angles, rotation_deg, trunk_angles
from kyphos.processing.preprocess import runs

#: Reference kinds that can confirm a slip (see :func:`find_slips`).
CONFIRM_KINDS = ("standing", "walking")
#: Kinds that can be references (baselines, slip candidates); lying periods only place slips.
REF_KINDS = ("standing", "walking", "sitting")


@dataclass
class RefPosture:
    """A reference posture: ``kind`` "walking", "standing" or "sitting", times in s, ``up``
    the unit gravity direction (earth up) in sensor coordinates."""

    start_s: float
    end_s: float
    kind: str
    up: np.ndarray
    i0: int = 0
    i1: int = 0
    #: the same over the first and the last ``PROBE_MIN_S`` of a still period (a walk: ``up``):
    #: a posture held still can drift slowly (a slouch setting in below the still rule's
    #: 6 °/s), so its mean is not what it was at either end
    up_first: np.ndarray | None = None
    up_last: np.ndarray | None = None
    #: a walk: the row where its mean gravity direction changes most (``up_first`` and
    #: ``up_last`` are the means before and after it), or None (too short to split). A slip
    #: made while walking is a step there; the walk's mean mixes both mountings
    i_split: int | None = None


@dataclass
class ReReference:
    """A re-reference after a clip slip: from ``t_s`` on, ``sensor_from_body`` is the mounting.

    ``deg`` is the angle of the correction, ``why`` names the reference postures that showed it.
    """

    t_s: float
    deg: float
    why: str
    sensor_from_body: np.ndarray = field(default_factory=lambda: np.eye(3))
    index: int = 0
    #: when the slip's own movement is known (a held posture, the clip turned between two
    #: still periods): the row where it ends. The mounting is blended from the old to the new
    #: one across [index, index_end), so the movement does not read as a flexion spike
    #: (validation seed 4023: 16 deg held, a 0.3 s spike to 24.9 deg taken for a lift).
    index_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"t_s": round(self.t_s, 3), "deg": round(self.deg, 2), "why": self.why}


def reference_postures(time: np.ndarray, acc: np.ndarray, kind: np.ndarray, still: np.ndarray,
                       fs: float, kinds: tuple[str, ...], min_s: float = P.REF_MIN_S
                       ) -> list[RefPosture]:
    """Walking bouts and still standing / sitting / lying periods of at least ``min_s``.
    (:func:`find_slips` never takes lying for a reference: how one lies is no baseline; a
    lying period only places a slip by the step to the next one.)

    Args:
        time: (N,) s. acc: (N, 3) m/s² sensor frame. kind: (N,) activity index into ``kinds``
        (:data:`kyphos.processing.activity.KINDS`). still: (N,) bool. fs: Hz.
    """
    acc = acc if np.isfinite(acc).all() else np.nan_to_num(acc)  # no copy when finite (8 h: 72 MB)
    out: list[RefPosture] = []
    m = max(2, int(min_s * fs))
    w_end = max(2, int(round(P.PROBE_MIN_S * fs)))
    # np.mean and np.linalg.norm of a few rows cost more in their wrappers than in the
    # arithmetic (thousands of postures on an 8-h day): their own operations without them
    # (_mean_rows, _norm), so the same bits
    for name in ("walking", "standing", "sitting", "lying"):
        if name not in kinds:
            continue
        sel = kind == kinds.index(name)
        if name != "walking":
            sel = sel & still
        for i0, i1 in runs(sel).tolist():  # per reference period
            if i1 - i0 < m:
                continue
            # the mean specific force over the period: gravity (movements average out)
            u = _mean_rows(acc, i0, i1)
            nu = _norm(u)
            if nu < 1.0:
                continue
            u = u / nu
            uf = ul = u
            cut = None
            if name != "walking":  # the ends of a still period (a walk's: its mean)
                w = min(i1 - i0, w_end)
                uf, ul = _unit(_mean_rows(acc, i0, i0 + w), u), _unit(_mean_rows(acc, i1 - w, i1), u)
            else:
                cut, uf, ul = _walk_split(acc[i0:i1], fs, u)
                cut = None if cut is None else i0 + cut
            out.append(RefPosture(float(time[i0]), float(time[i1 - 1]), name, u, i0, i1, uf,
                                  ul, cut))
    out.sort(key=lambda r: r.start_s)
    return out


def _walk_split(acc: np.ndarray, fs: float, u: np.ndarray
                ) -> tuple[int | None, np.ndarray, np.ndarray]:
    """The row of a walk's (acc (n, 3), m/s²) largest change of mean specific force (the
    two-segment change point: the split that maximises |mean before − mean after|² weighted by
    k (n − k) / n), with both parts at least ``REF_MIN_S`` long (several steps each: the gait's
    own swing averages out), and the unit means before and after it; (None, u, u) if the walk
    is too short to split."""
    n = len(acc)
    m = max(2, int(P.REF_MIN_S * fs))
    if n < 2 * m:
        return None, u, u
    cs = np.cumsum(acc, axis=0)
    k = np.arange(m, n - m + 1)
    left = cs[k - 1] / k[:, None]
    right = (cs[-1] - cs[k - 1]) / (n - k)[:, None]
    j = int(np.argmax(np.sum((left - right) ** 2, axis=1) * k * (n - k) / n))
    return int(k[j]), _unit(left[j], u), _unit(right[j], u)


def _unit(v: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    n = _norm(v)
    return v / n if n >= 1.0 else fallback


def _mean_rows(x: np.ndarray, i0: int, i1: int) -> np.ndarray:
    """``np.mean(x[i0:i1], axis=0)``: its sum and division (i1 > i0)."""
    return np.asarray(np.add.reduce(x[i0:i1], axis=0) / (i1 - i0))


def _norm(v: np.ndarray) -> float:
    """``np.linalg.norm`` of a vector: the square root of its dot product with itself."""
    return math.sqrt(v.dot(v))


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation matrix taking unit vector a onto unit vector b."""
    # np.cross and np.linalg.norm of one 3-vector cost more in their wrappers than in the
    # arithmetic (~1,800 calls on an 8-h day): the same products and differences in Python
    # floats (each its own IEEE rounding, as numpy's multiply and subtract), then norm's own
    # square root of the dot product, so the same bits
    a0, a1, a2 = (float(x) for x in a)
    b0, b1, b2 = (float(x) for x in b)
    v = np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])
    c = float(a @ b)
    s = _norm(v)
    if s < 1e-12:
        return np.eye(3)
    k = v / s
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    ang = np.arctan2(s, c)
    return np.asarray(np.eye(3) + np.sin(ang) * kx + (1 - np.cos(ang)) * (kx @ kx))


def angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """The angle (deg) between unit vectors ``a`` and ``b``."""
    # clipped in Python: np.clip of one number costs 3x the rest (tens of thousands of calls
    # on an 8-h day); the same ufuncs, so the same bits
    return float(np.degrees(np.arccos(min(max(a @ b, -1.0), 1.0))))


def is_reference(post: RefPosture, fs: float) -> bool:
    """Whether a probe (a walk or still posture of at least ``PROBE_MIN_S``) is also a reference
    that can show a slip: at least ``REF_MIN_S`` long and, when still, its first and last
    ``PROBE_MIN_S`` within ``SLIP_MIN_DEG`` of each other and of its mean. A posture that moved
    more than a slip's smallest tilt while "still" (a slouch setting in below the still rule's
    rate) has a mean that is no one posture: on development seeds 3020 and 3022 such a sit was taken for the
    new mounting, 96 s and 36 s before the slip (bench/slip_ref_study.py, variant "ends")."""
    if post.end_s - post.start_s < P.REF_MIN_S - 1.5 / fs:
        return False
    if post.kind == "walking" or post.up_first is None or post.up_last is None:
        return True
    # and its mean within SLIP_MIN_DEG of both ends: a still period can go out and come back
    # (a standing slouch whose onset and release both turned below the still rule's 6 deg/s),
    # its ends agreeing while its mean is neither (validation 26013 at 52 Hz: a stand of 10 s
    # upright, 37 s slouched, 11 s upright read 17.1 deg from upright against 10.9 / 10.0 deg
    # at its ends and confirmed a 17.1-deg slip 67 s late; at 104 / 208 Hz the release peaked
    # at 6.2 deg/s and split the stand)
    return (angle_deg(post.up_first, post.up_last) <= P.SLIP_MIN_DEG
            and angle_deg(post.up, post.up_first) <= P.SLIP_MIN_DEG
            and angle_deg(post.up, post.up_last) <= P.SLIP_MIN_DEG)


#: Up in body coordinates: gravity's direction in the calibrated upright (quiet standing's
#: baseline until a quiet stand replaces it)
UPRIGHT = np.array([0.0, 0.0, 1.0])


def stands_agree(refs: list[RefPosture], i: int, m: np.ndarray,
                 base: dict[str, np.ndarray]) -> bool:
    """Whether the quiet stands on either side of ``refs[i]`` (the nearest one before and after
    it that is not a held bend) agree with the standing baseline under mounting ``m``: only then
    may ``refs[i]`` (a first walk or sitting) become its kind's baseline. A first walk after an
    unnoticed slip would otherwise take the slipped mounting for the walk's own lean, and could
    no longer confirm the slip (validation seed 1022: a slip in a task bend, before the
    session's first walk, was re-referenced 116 s late)."""
    if "standing" not in base:
        return True
    for seq in (reversed(refs[:i]), refs[i + 1:]):  # the stand before, the stand after
        for x in seq:
            if x.kind != "standing":
                continue
            d = angle_deg(m.T @ x.up, base["standing"])
            if d > P.SLIP_MAX_DEG:
                continue  # a held bend
            if d > P.SLIP_MIN_DEG:
                return False
            break
    return True


def later_stands_keep(later: list[RefPosture], m: np.ndarray, q: np.ndarray,
                      base: dict[str, np.ndarray],
                      stands: tuple[np.ndarray, np.ndarray] | None = None) -> bool:
    """Whether the quiet stands after a confirmed slip candidate are, by their total duration
    (each counted up to 10 s), explained by the mounting in force ``m`` (within ``SLIP_MIN_DEG`` of the standing baseline)
    more than by the corrected one (``q`` applied): then the candidate was a posture, not a
    slip. Validation seed 1012: a seated slouch "confirmed" by the standing slouch after it
    (12–16° of flexion each) re-referenced a good mounting, and every upright stand for the
    rest of the session read 9° off until a third re-reference.

    ``stands``: :func:`later_stands` of ``later`` when the caller has it (:func:`find_slips`
    makes it once for all its references and passes each candidate the part after it)."""
    if "standing" not in base:
        return False
    ups, dur = later_stands(later) if stands is None else stands
    if not len(ups):
        return False
    # all stands at once (the loop was ~1.6 x VQF on an 8-h day: 700 k scalar angles); the
    # same formulas, with the few rows near the threshold read again one by one as before
    b = ups @ m  # row k: m.T @ st[k].up
    base_up = base["standing"]
    d_old = _angles_deg(b @ base_up)
    d_new = _angles_deg((b @ q.T) @ base_up)
    is_old = d_old <= P.SLIP_MIN_DEG
    is_new = ~is_old & (d_new <= P.SLIP_MIN_DEG)
    for k in np.flatnonzero((np.abs(d_old - P.SLIP_MIN_DEG) <= _EXACT_NEAR_DEG)
                            | (np.abs(d_new - P.SLIP_MIN_DEG) <= _EXACT_NEAR_DEG)):
        bk = m.T @ ups[k]
        is_old[k] = angle_deg(bk, base_up) <= P.SLIP_MIN_DEG
        is_new[k] = not is_old[k] and angle_deg(q @ bk, base_up) <= P.SLIP_MIN_DEG
    return _running_sum(dur[is_old]) > _running_sum(dur[is_new])


def later_stands(later: list[RefPosture]) -> tuple[np.ndarray, np.ndarray]:
    """The quiet stands of ``later`` as :func:`later_stands_keep` reads them: their ups (n, 3)
    and their durations (n,) s each counted up to 10 s (each return to a quiet stand: about one
    vote)."""
    st = [x for x in later if x.kind == "standing"]
    ups = np.array([x.up for x in st]).reshape(-1, 3)
    return ups, np.minimum(np.array([x.end_s - x.start_s for x in st], float), 10.0)


#: Angles (deg) this near a threshold are read again as :func:`angle_deg` reads them: a batched
#: product or ``arccos`` may round the last bit otherwise (~1e-12 deg near 5 deg), and the
#: decisions are to stay those of the scalar rule
_EXACT_NEAR_DEG = 1e-9


def _angles_deg(cos: np.ndarray) -> np.ndarray:
    """:func:`angle_deg` of many unit-vector dot products at once."""
    return np.asarray(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def _running_sum(x: np.ndarray) -> float:
    """``x[0] + x[1] + …`` added left to right as a loop adds them (``np.sum`` adds pairwise)."""
    return float(np.cumsum(x)[-1]) if len(x) else 0.0


def later_sitting_base(refs: list[RefPosture], i: int, m_new: np.ndarray,
                       base: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The baselines for placing a slip that ``refs[i]`` showed (new mounting ``m_new``): when
    there is no sitting baseline yet, the first sitting reference after it whose quiet stands
    agree under the new mounting (:func:`stands_agree`) gives one, read in the new mounting.
    The sits before the slip are then read against the wearer's own sitting, as the sits after
    it: development seed 2028 (a slip while getting up from a sit; the sits before it read
    5.7 and 6.8 deg from upright standing in the old mounting and did not break the tie, the
    slip was placed 10 s early; the later sit puts them within 1 deg in the old mounting)."""
    if "sitting" in base or "standing" not in base:
        return base
    for k in range(i + 1, len(refs)):  # per later reference, up to the first sit that agrees
        x = refs[k]
        if x.kind == "sitting" and angle_deg(m_new.T @ x.up, base["standing"]) <= P.SLIP_MAX_DEG \
                and stands_agree(refs, k, m_new, base):
            return dict(base, sitting=m_new.T @ x.up)
    return base


def refine_mountings(out: list[ReReference], refs: list[RefPosture], up0: np.ndarray
                     ) -> list[ReReference]:
    """Each re-referenced mounting turned so that the quiet stands of its stretch (those within
    ``SLIP_MIN_DEG`` of upright under it, at least two, each weighted by its duration up to
    10 s; then only those within 2° of that mean) average onto the standing baseline ``up0``. The slip's first correction comes from
    the two references that confirmed it, which may be walks, and a walk's lean varies
    (stairs, pace): validation seed 12 was left 1.8° off after a slip confirmed by two walks."""
    edges = [rr.index for rr in out] + [np.iinfo(np.int64).max]
    res = []
    for k, rr in enumerate(out):  # per re-reference (few)
        m = rr.sensor_from_body
        ups, w = [], []
        for x in refs:
            if x.kind == "standing" and edges[k] <= x.i0 and x.i1 <= edges[k + 1] \
                    and angle_deg(m.T @ x.up, up0) <= P.SLIP_MIN_DEG:
                ups.append(m.T @ x.up)
                w.append(min(x.end_s - x.start_s, 10.0))
        if len(ups) >= 2:
            u, wt = np.array(ups), np.array(w)
            mean = np.average(u, axis=0, weights=wt)
            # a slouched stand within SLIP_MIN_DEG pulls the mean: keep the stands within 2°
            # of it and average again (seed 1001: a 46-s stand at 4.3° moved it by 0.9°)
            near = np.degrees(np.arccos(np.clip(u @ (mean / np.linalg.norm(mean)), -1, 1))) <= 2.0
            if near.sum() >= 2:
                mean = np.average(u[near], axis=0, weights=wt[near])
            q = _rotation_between(mean / np.linalg.norm(mean), up0)
            m = m @ q.T
        res.append(ReReference(rr.t_s, rr.deg, rr.why, m, rr.index, rr.index_end))
    return res


def _vote(up: np.ndarray, kind: str, m_old: np.ndarray, m_new: np.ndarray,
          base: dict[str, np.ndarray], margin: float, kinds: tuple[str, ...],
          within: float | None = None) -> int:
    """+1 if the new mounting explains a posture (within ``SLIP_MIN_DEG``, or ``within``, of
    its kind's baseline, and by ``margin`` better than the old one), −1 if the old one does,
    else 0.
    Only walks and quiet stands vote: people choose how they sit (leaning back, slouched) far
    more than how they stand or walk, and a sitting baseline taken in a slouch made every
    upright sitting after it look like the slip (simulator day seed 29: placed 36 s early)."""
    if kind not in base or kind not in kinds:
        return 0
    lim = P.SLIP_MIN_DEG if within is None else within
    d_old = angle_deg(m_old.T @ up, base[kind])
    d_new = angle_deg(m_new.T @ up, base[kind])
    if d_new <= lim and d_new + margin <= d_old:
        return 1
    if d_old <= lim and d_old + margin <= d_new:
        return -1
    return 0


def place_slip(probes: list[RefPosture], lo: int, hi: int, m_old: np.ndarray,
               m_new: np.ndarray, base: dict[str, np.ndarray], still: np.ndarray | None,
               motion: Motion | None = None, by_turn_only: bool = False
               ) -> tuple[int, int | None]:
    """Sample index of a slip known to lie between ``lo`` (the previous slip, or the start)
    and ``hi`` (the start of the reference that showed it).

    A change point over the still postures and walks in between (probes, ≥ ``PROBE_MIN_S``,
    in time order; the reference at ``hi`` is the last): each posture that one mounting
    explains (:func:`_vote`; each end of a still period half a vote) is one observation, and
    the slip goes where the most observations agree — those before it explained by the old
    mounting, those after it by the new one. A slouch held in the slip's direction can read
    upright in the old mounting, so the last such posture is not the earliest place
    (validation seeds 24 and 7: 47 s and 25 s late, with the slouch after the slip).

    A step between two consecutive still postures of the same kind, from the end of the one
    to the start of the next, about as large as the slip (within ``SLIP_AGREE_DEG`` or 40 %)
    and undone by the slip's rotation (to within ``SLIP_AGREE_DEG`` or half of the step: the
    posture held, the clip turned; the part of a slip about the vertical is not known, so a
    step seen lying fits less well) is one more observation there (not when the next posture
    of the same kind is back where the step started, in the old mounting, nearer than the
    slip's rotation brings the step's end: that is an excursion out and back; either end of
    the posture the step left counts as where it started), and among equally good
    places the step that the slip undoes best places it in the movement between the two (its
    first and last rows are returned; :func:`find_slips` blends across them; with ``motion``,
    those of the turn of its window that turns as the slip does, when one does: the clip's own
    turn). The posture such a step enters does not vote for the old mounting: it
    reads as the posture before the step with the clip turned, so near upright in the old
    mounting is what a backward slip made in a held slouch looks like (validation seeds
    6003, 1019, 2029); but when the step's own movement turned as no slip does and no place
    of the tie holds the slip's turn, that posture reading the old mounting at both ends
    refuses the step (HELDSTEP2: 31019); and the step out of the sit after a lie gives way to the
    get-up into that sit when the get-up's window turns as the slip does, as closely as windows
    tie, and more closely and with less linear acceleration than the step's (RISE: 31003;
    :func:`_getup_place`, also where the tie holds both: 24025). (The ends, not the means:
    validation seed 25, a slip in the middle of a standing slouch that set in slowly, was
    placed 24 s late.) Else, among equally good
    places, the slip goes to the middle of the stretch they span (the moving sample nearest
    to it: a slip moves the sensor): a slip on the way into a held bend or slouch that fits
    neither mounting, or out of it, cannot be told apart, and the middle halves the worst
    case (validation seed 1010: 16 s late at the end of the bend it was made going into);
    with ``motion``, over a held slouch whose way out turns as no slip does and whose way back
    turns as the slip does less the trunk's turn, the way back (:func:`_end_turn`; 30018).

    With ``motion`` (offline), the slip's own turn (:func:`_motion_place`) decides first among
    two or more slip-sized steps the slip undoes, then over a step over an excursion, or over
    a step between held postures where no window overlapping its own movement turns as the
    slip does, among the places the walks and stands tie within one vote (when the one matching
    turn is in another gap), then among tied places; ``still`` then also
    gives the gyro's offset. Returns the row and, when a step or the turn placed it, the row
    where that movement ends, else None. ``by_turn_only``: (-1, None) unless the turn placed it.
    """
    q = m_new.T @ m_old  # old body coordinates → new
    margin = 0.5 * angle_deg(q[:, 2], UPRIGHT)  # half the slip's tilt
    slip = rotation_deg(q)
    seq: list[RefPosture] = []
    # a standing period right after lying is the sit people get up through (the validation
    # family always sits 3-6 s there; the activity rule calls 591 of 757 such sits standing,
    # validation 0-18029 @104, bench/slip_after_lie_study.py): how one sits casts no vote,
    # and its step into the stand is a movement, not a posture held while the clip turned
    # (development seed 21010: such a sit read 1.7 deg from upright standing in the old
    # mounting, 6.8 in the new, and with its step to the stand took a slip made 56 s before
    # the lie)
    after_lie: list[int] = []
    prev = ""
    for pr in probes:  # a walk split at its change point is two observations
        was_lying, prev = prev == "lying", pr.kind
        if not lo <= pr.i0 <= hi:
            continue
        if was_lying and pr.kind == "standing":
            after_lie.append(len(seq))
        if pr.kind != "walking":
            seq.append(pr)
            continue
        if pr.i_split is None or pr.up_first is None or pr.up_last is None:
            seq.append(RefPosture(pr.start_s, pr.end_s, pr.kind, pr.up, pr.i0, pr.i1))
            continue
        t_mid = pr.start_s + (pr.end_s - pr.start_s) * (pr.i_split - pr.i0) / (pr.i1 - pr.i0)
        seq += [RefPosture(pr.start_s, t_mid, pr.kind, pr.up_first, pr.i0, pr.i_split),
                RefPosture(t_mid, pr.end_s, pr.kind, pr.up_last, pr.i_split, pr.i1)]
    n = len(seq)
    if n < 2:
        return (-1 if by_turn_only else _last_still(still, lo, hi)), None
    ends = [(pr.up_first if pr.up_first is not None else pr.up,
             pr.up_last if pr.up_last is not None else pr.up) for pr in seq]

    u_ends = np.array(ends).reshape(n, 2, 3)

    def votes(kinds: tuple[str, ...], within: float | None = None) -> np.ndarray:
        """Per posture: its two ends' half votes (+ new mounting, − old), as :func:`_vote`
        counts them, for all postures at once."""
        on = np.array([pr.kind in base and pr.kind in kinds for pr in seq])
        if not on.any():
            return np.zeros(n)
        bk = np.array([base[pr.kind] if o else UPRIGHT for pr, o in zip(seq, on, strict=True)])
        lim = P.SLIP_MIN_DEG if within is None else within
        d_old, d_new = (_angles_deg(np.einsum("nej,nj->ne", u_ends @ mm, bk))
                        for mm in (m_old, m_new))
        v = np.where((d_new <= lim) & (d_new + margin <= d_old), 1.0,
                     np.where((d_old <= lim) & (d_old + margin <= d_new), -1.0, 0.0))
        return np.asarray(0.5 * (v[:, 0] + v[:, 1]) * on)

    def change_point(kinds: tuple[str, ...], within: float | None = None,
                     held: np.ndarray | None = None, pre: np.ndarray | None = None
                     ) -> np.ndarray:
        """Per place k (between seq[k - 1] and seq[k]; k = 0: before the first, never after
        the last): the votes before it for the old mounting and after it for the new one.
        ``held``: places of steps the slip undoes; the posture each enters casts no vote for
        the old mounting. ``pre``: ``votes(kinds, within)`` already counted."""
        v = votes(kinds, within) if pre is None else pre.copy()
        if held is not None:
            v[held] = np.maximum(v[held], 0.0)
        before = np.concatenate([[0.0], np.cumsum(v)])[:n]  # votes of the postures before k
        return np.asarray(-before + (before[-1] + v[-1] - before))

    resid = np.full(n, np.inf)
    kind = np.array([pr.kind for pr in seq])
    same = np.concatenate([[False], kind[1:] == kind[:-1]])  # k: seq[k - 1], seq[k] alike
    e_old = u_ends @ m_old  # (n, 2, 3): each end in the old mounting's body coordinates

    def ang(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _angles_deg(np.einsum("ij,ij->i", x, y))

    ba, bb = e_old[:-1, 1], e_old[1:, 0]  # per k = 1..n-1: where the step left and entered
    left = np.concatenate([[np.inf], ang(bb @ q.T, ba)])  # what is left, the slip undone
    size = np.concatenate([[np.inf], ang(bb, ba)])
    # the next posture of the same kind back where the step started (old mounting) nearer
    # than the slip brings the step's end: an excursion out and back, not the slip
    # (validation seed 4000: a slip while sitting down; a 40-s seated bend 16 deg deeper,
    # between two sits alike in the old mounting, undone to 4.5 deg: placed 31 s late).
    # Where the step started: either end of the posture it left (a slouch that sets in
    # below the still rule's rate moves that posture's last end toward the step;
    # development seed 6022: a sit 10.1 -> 13.6 deg, a seated slouch to 22.4, the sit
    # after it back at 9.8; the step passed, the slip was placed 44 s late)
    back = np.full(n, np.inf)
    if n > 2:
        nxt0 = e_old[2:, 0]  # per k = 1..n-2: the next posture's first end
        back[1:-1] = np.where(same[2:], np.minimum(ang(nxt0, e_old[:-2, 0]),
                                                   ang(nxt0, e_old[:-2, 1])), np.inf)
    # a slip-sized step the slip undoes, out and back or not
    undone = same & (np.abs(size - slip) <= max(P.SLIP_AGREE_DEG, 0.4 * slip)) \
        & (left <= np.maximum(P.SLIP_AGREE_DEG, 0.5 * size))
    resid[undone & (back >= left)] = left[undone & (back >= left)]
    # a posture entered by such a step is what the posture before it was, the clip turned,
    # so its reading near upright in the old mounting is no vote for the old mounting: a
    # slouch held while the clip slips backward reads near upright in the old mounting
    # (development seeds 6003, 1019, 2029: placed 10.5, 6.1, 31.3 s late at the slouch's
    # end). Not the mirror (the posture a step leaves casting no vote for the new mounting):
    # it fixed seed 3001 but moved 5018 at 52/208 Hz to a slouch's step 4.3 s late
    v_conf = votes(CONFIRM_KINDS)  # counted once: the walks' and stands' votes
    v_conf[after_lie] = 0.0  # the sit one gets up through (above)
    score = change_point(CONFIRM_KINDS, held=np.flatnonzero(np.isfinite(resid)), pre=v_conf)
    by_votes = score.copy()  # the walks' and stands' change point, before a step's own vote
    # the same over one posture between that is an excursion (a reach or bend out and back
    # from a posture at rest: the ends within SLIP_MAX_DEG of their kind's baseline, old
    # mounting before and new after, and the excursion farther from both than the step by
    # SLIP_AGREE_DEG; the slip made on the way out or back): that posture's two places share
    # the observation. (Validation seed 20: a step between a reach and a held bend, with
    # upright sitting between, is not one.)
    span: dict[int, tuple[int, int, int]] = {}  # the excursion's rows, and the posture's index
    for k in range(2, n):
        a, b = seq[k - 2], seq[k]
        rest = base.get(a.kind, base.get("standing"))
        if a.kind != b.kind or seq[k - 1].kind != a.kind or rest is None \
                or angle_deg(m_old.T @ ends[k - 2][1], rest) > P.SLIP_MAX_DEG \
                or angle_deg(m_new.T @ ends[k][0], rest) > P.SLIP_MAX_DEG:
            continue
        ba, bb = m_old.T @ ends[k - 2][1], m_old.T @ ends[k][0]
        d = angle_deg(q @ bb, ba)
        step = angle_deg(bb, ba)
        out_back = min(angle_deg(m_old.T @ ends[k - 1][0], ba),
                       angle_deg(m_old.T @ ends[k - 1][1], bb))
        if out_back > step + P.SLIP_AGREE_DEG and abs(step - slip) <= max(P.SLIP_AGREE_DEG, 0.4 * slip) \
                and d <= max(P.SLIP_AGREE_DEG, 0.5 * step):
            for j in (k - 1, k):
                if d < resid[j]:
                    resid[j], span[j] = d, (a.i1, b.i0, k - 1)
    score += np.isfinite(resid)
    steps = np.flatnonzero(np.isfinite(resid) | undone)
    if motion is not None and len(steps) > 1:
        # more than one step the slip undoes (a slouch of about the slip's size and direction
        # beside the slip itself): the one whose movement turned the sensor as the slip does,
        # with little linear acceleration, when exactly one did and no walk or stand after it
        # reads as the old mounting (development seed 3001: a slip 9 s into a 14-deg standing
        # slouch; the slouch, 4-5 deg from upright in the new mounting, voted its onset in).
        # A step the excursion test turned down counts here too: a slouch released after the
        # slip brings the old reading back to where the slip's step started (seed 7000).
        # Not an excursion's way out or back that a step between held postures outscores:
        # that movement is the trunk's, larger than the slip and about its axis, so some
        # window of it can turn as the slip does (development seed 22006: a 45-deg seated
        # bend's return, 0.17 of the change at 0.10 m/s², took a slip made 116 s before it,
        # whose own step, undone to 2.5 deg, led the votes by 2 but turned while the wearer
        # moved: 0.36 of the change, 1.0 m/s²)
        found = _motion_place(motion, [(seq[k - 1].i1, seq[k].i0) for k in steps],
                              m_old, m_new, still)
        if found is not None:
            v = v_conf.copy()
            v[steps] = np.maximum(v[steps], 0.0)  # as change_point's held steps
            kf = int(steps[found[2]])
            outscored = kf in span and bool(np.any(score[[k for k in steps if k not in span]]
                                                   > score[kf] + 1e-9))
            # a posture after it reading old at both ends vetoes; one end only (a slouch
            # setting in after the slip, in its direction, read 3.1 deg from upright in the
            # old mounting at its start, 6.4 at its end: development seed 21015 @208 took
            # the slouch's release 35.5 s late instead of the slip's own turn, 0.17 at
            # 0.03 m/s²) does not
            if not np.min(v[kf:]) <= -1.0 and not outscored:
                return found[0], found[1]
    ks = np.flatnonzero(score >= score.max() - 1e-9)
    fit = ks[np.isfinite(resid[ks])]
    kb = int(fit[np.argmin(resid[fit])]) if len(fit) else -1
    # a step between two held postures says the posture held and the clip turned: its own
    # movement then turns the sensor as the slip does. When no window overlapping it does
    # (within SLIP_MOTION_ERR, whatever it moved: _turns_as_slip), the step was the wearer's, and the rule
    # below may look for the slip's own turn among the walks' and stands' tie as over an
    # excursion (development seed 14000: a 16-deg seated slouch released to an upright sit,
    # undone by an 11-deg slip to 3.5 deg, took the slip made standing up 17.7 s later; the
    # release's best window missed the slip's turn by 0.58 of it, the slip's own by 0.02)
    # Nor over the step out of the sit one gets up through after lying (above): a movement
    # (21010: its window turned as the slip does, 0.11 of it, at 1.4 m/s²; the slip's own
    # window, before the lie, 0.03 at 0.02 m/s²)
    doubted = False  # a held step whose own movement is no slip's turn (below)
    if motion is not None and len(fit) and (kb in span or kb - 1 in after_lie
                                            or not _turns_as_slip(motion, seq[kb - 1].i1,
                                                                  seq[kb].i0, m_old, m_new,
                                                                  still)):
        doubted = kb not in span
        # the best fit is a step over an excursion (two reaches a slip's size apart, the slip
        # taken to be on the way out or back): a guess at the excursion's middle, where the
        # slip's own turn is the movement itself. When exactly one place of the walks' and
        # stands' tie (before the step's extra vote) holds it, in another gap, and no posture
        # after it reads as the old mounting, it places the slip (development seed 10013: two
        # seated reaches 10.8 deg apart, 54 s before an 11-deg slip made standing up). Over
        # a step between two held postures only when the step's own movement did not turn as
        # the slip does (seed 5023: a slip inside a seated slouch, undone to 0.8 deg, whose
        # own turn matched but moved the sensor 0.16 m/s²; the slouch's onset turned as the
        # slip does and took it 44 s early when any held step could be overridden)
        # The tie is read within one vote: one end of a posture at the SLIP_MIN_DEG edge (half
        # a vote, or none) moves every place before that posture half a vote one way and every
        # place after it half a vote the other, so two places a vote apart are the same but
        # for one end's rounding. And only a posture reading old at both ends vetoes (as the
        # multi-step branch's veto): one end old is what that edge, or a slouch setting in in
        # the slip's direction, gives (development seed 25014 @208: a slip 1.1 s into a 17-deg
        # standing slouch; the slouched stand's last end read 4.9 deg from upright in the old
        # mounting, 5.3 at 104 Hz; its half vote put the slouch's release a vote ahead of the
        # slip's own gap, 0.01 of the change at 0.03 m/s², and the release took the slip 30 s
        # late)
        kv = np.flatnonzero(by_votes >= by_votes.max() - 1.0 - 1e-9)
        found = _motion_place(motion, [(seq[k - 1].i1 if k else lo, seq[k].i0) for k in kv],
                              m_old, m_new, still)
        sit_old = np.minimum(votes(("sitting",)), v_conf) <= -1.0  # a sit reading old
        if found is not None and kv[found[2]] not in span and not sit_old[kv[found[2]]:].any():
            return found[0], found[1]
        # the step out of the sit after a lie, and the get-up into that sit in the tie: both
        # are movements, and a slip is made in either. The get-up takes it when its best window
        # turns the sensor as the slip does as closely as windows tie, more closely than the
        # rise's best window and with less linear acceleration (_getup_place; development seed
        # 31003: a slip at the end of the get-up; the sit after the lie leaned back 6 deg,
        # nearly cancelling it in the old mounting; the get-up's window read 0.02 of the change
        # at 0.26 m/s^2, the rise's 0.06 at 3.14, and the rise took the slip 4.0 s late).
        # Not the get-up whenever it is tied (HELDSTEP2's variant D): slips made in the rise
        # read better there, or the get-up no closer than SLIP_MOTION_ERR's edge (6027, 14011,
        # 15002 @104: the get-up 1.19 / 1.02 / 0.26 of the change, the rise 0.06 / 0.00 /
        # 0.25; 10, 1005, 14028: the rise 0.00-0.03 at 0.01-0.02 m/s^2, the get-up 0.05-0.27)
        if not by_turn_only and kb >= 2 and kb - 1 in after_lie and kb - 1 in kv \
                and not sit_old[kb - 1:].any():
            getup = _getup_place(motion, seq, kb - 1, m_old, m_new, still)
            if getup is not None:
                return getup
    if len(fit):
        if by_turn_only:
            # the best place is a step between two held postures (the posture held, the clip
            # turned): when its own movement holds the slip's turn (SLIP_MOTION_ERR and
            # SLIP_MOTION_LIN), the turn places it (development seed 15007 @104/208: a slip at
            # the end of a 31-s seated slouch, the slouch going on after it; a sit's search
            # must place by the turn, and the one step's turn was only read when a second,
            # borderline step made two, as at 52 Hz: else 32 s early at the sit's start)
            turn = _gap_turn(motion, seq, kb, m_old, m_new, still) if kb not in span else None
            return turn if turn is not None else (-1, None)
        k = int(fit[np.argmin(resid[fit])])
        if k in span:  # out or back: the moving sample nearest the middle of the excursion
            a0, a1, x = span[k]
            rest = base.get(seq[x].kind, base.get("standing"))
            if motion is not None and rest is not None \
                    and angle_deg(ends[x - 1][1], ends[x][0]) <= P.SLIP_MAX_DEG \
                    and angle_deg(m_old.T @ ends[x][0], rest) \
                    > angle_deg(m_old.T @ ends[x - 1][1], rest):
                # a held slouch (its way out turned the sensor away from its kind's rest, in
                # the old mounting, and by no more than SLIP_MAX_DEG: not a held bend, nor an
                # upright sit between two reaches, tests/test_clipslip_slip_turn_beats_a_step_
                # of_two_reaches.py): its way out turned as no slip does and its way back as
                # the slip does, less the trunk's turn: the slip at its release (_end_turn, as
                # _release_place reads a held slouch's ends; development seed 30018: a -8.6-deg
                # slip at a 48-s seated slouch's release, the way out 14.8 deg; the way out
                # read 1.33 of the change plain, 0.94 detrended, the way back 0.07 at 3.1 m/s^2
                # plain, 0.01 detrended; the middle took the way out's end, 47.9 s early). Not
                # over a held bend: the detrended reading does not tell a slip from the trunk's
                # own turn about the slip's axis, and a bend's way back holds windows that read
                # as the slip (development seed 13009: a -11.5-deg slip on the way into a 57-deg
                # standing bend, the way out 46.3 deg; the way back read 0.02 detrended and took
                # it 17.1 s late, 0.52 -> 2.06 deg in the replay; 23003, the slip on a 52-deg
                # bend's way back, 16.4 s early, is left to the middle)
                end = _end_turn(motion, (a0, seq[x].i0), [(seq[x].i1, a1)], m_old, m_new,
                                still)
                if end is not None:
                    return end
            mid = (a0 + a1) // 2
            mv = np.flatnonzero(~still[a0:a1 + 1]) + a0 if still is not None else np.zeros(0)
            return (int(mv[np.argmin(np.abs(mv - mid))]) if len(mv) else mid), None
        if doubted and motion is not None:
            # a held step whose own movement turned as no slip does, and no turn in the tie
            # either: a posture from the one it enters on that reads the old mounting at both
            # ends (as the other vetoes read it; before the first that reads the new one at both
            # ends, as the sitting tie-break's) refuses it, the entered one too: the step's
            # movement did not say the posture was held. The slip goes to the gap after the
            # last such posture, blended over its turn when one fits, else over the gap
            # (development seed 31019: a slip made during a sit-to-stand, its gap 5.7 m/s^2; the
            # held step, 14.4 s before it, entered a 12.7-s sit reading 0.3-0.6 deg from the
            # sitting baseline in the old mounting, 9.3-9.8 in the new)
            vs, vc = votes(("sitting",))[k:], v_conf[k:]
            seen = np.flatnonzero(np.maximum(vs, vc) >= 1.0)
            olds = np.flatnonzero(np.minimum(vs, vc)[:int(seen[0]) if len(seen) else len(vs)]
                                  <= -1.0)
            if len(olds) and k + int(olds[-1]) + 1 < n:
                return _gap_place(motion, seq, k + int(olds[-1]) + 1, m_old, m_new, still)
        # a held step: the posture held and the clip turned, so the window of the step's gap
        # that turns as the slip does (SLIP_MOTION_ERR, SLIP_MOTION_LIN) is the slip itself;
        # it is blended over that turn, not the whole gap (development seed 23013 @104: a slip
        # 5.6 s into the movement between two held postures, blended from the movement's
        # start, 0.54 -> 0.28 deg; TRACE6, HELDSTEP). The whole gap when no window fits
        return _gap_place(motion, seq, k, m_old, m_new, still)
    if len(ks) > 1:  # the sitting postures break a tie (they do not outvote a stand or walk)
        within = None
        if "sitting" not in base and "standing" in base:
            # no sitting baseline yet (the stands around the first sitting disagree: the slip
            # is among them): upright standing stands in for it, and a sitting posture votes
            # for the mounting that puts it nearer upright by the margin unless that is a held
            # bend (beyond SLIP_MAX_DEG). How far one sits from upright standing is one's own,
            # so a real baseline's SLIP_MIN_DEG is too tight for the stand-in (validation seed
            # 5027 at 104 Hz: a sit 5.1 deg from upright in the old mounting, 16.2 in the new,
            # before a 28-s lie that cannot vote, left a tie; the slip was placed at the lie's
            # start, 29 s early; at 52 Hz that sit's end read 4.97 deg and voted)
            base = dict(base, sitting=base["standing"])
            within = P.SLIP_MAX_DEG
        if motion is not None:
            # the one tied place where the sensor turned as the slip did (validation seed 8018:
            # a slip inside a long sit; the held bottoms of two seated reaches and a slouch in
            # the slip's direction carried the sits' vote, 53 s early), unless a posture after
            # it reads as the old mounting: a posture held in the slip's direction before the
            # slip can read as the new one, an upright one after it cannot read as the old.
            # Old at both ends, as the other two vetoes read it: one end old is the
            # SLIP_MIN_DEG edge, or a slouch setting in after the slip (development seed 28021:
            # a slip made seated 1.3 s before a slouch; the slouched sit's first end read 4.90 /
            # 5.13 / 4.80 deg from the sitting baseline in the old mounting at 52 / 104 / 208 Hz,
            # and its half vote refused the slip's own turn, 0.05 of the change, at 208 Hz: the
            # slouch's release took the slip 34 s late)
            found = _motion_place(motion, [(seq[k - 1].i1 if k else lo, seq[k].i0) for k in ks],
                                  m_old, m_new, still)
            # (the walks' and stands' votes do not change with the sitting stand-in)
            # Only the postures before the first one after it that reads the new mounting at
            # both ends may veto: once the clip is seen slipped, a later posture reading old is
            # a slouch held in the slip's direction or a second slip (development seed 27023:
            # a slip made seated before a lie, its turn found; a standing slouch 50 s later,
            # after two stands that read new, vetoed it, and the slip was placed 37.4 s late)
            # The mirror, with a real sitting baseline only: a sit before it, inside the tie,
            # reading the new mounting at both ends says the slip came before the turn
            # (development seed 32018 @208: a slip made sitting down, then only sitting; four
            # upright sits after it read 0.2-0.7 deg from the sitting baseline in the new
            # mounting, 8.2-9.5 in the old, and a seated slouch's onset 56 s later, 0.23 of the
            # change at 0.0993 m/s^2, took the slip 55.7 s late; TRACE12). Not with upright
            # standing standing in: how one sits from upright standing is one's own, and seed
            # 8018's seated reach bottoms and slouch read new before its slip that way
            if found is not None:
                kf = int(ks[found[2]])
                v_sit = votes(("sitting",), within)
                vs, vc = v_sit[kf:], v_conf[kf:]
                seen = np.flatnonzero(np.maximum(vs, vc) >= 1.0)
                upto = int(seen[0]) if len(seen) else len(vs)
                new_before = within is None and np.max(v_sit[int(ks[0]):kf], initial=0.0) >= 1.0
                if not np.min(np.minimum(vs, vc)[:upto], initial=0.0) <= -1.0 \
                        and not new_before:
                    return found[0], found[1]
        sit = change_point(("sitting",), within)[ks]
        ks = ks[sit >= sit.max() - 1e-9]
    if by_turn_only:
        return -1, None
    if motion is not None:
        # the same where the tie holds both the get-up into the sit after a lie and the step
        # out of it, before the detrended reading (development seed 24025: a slip at the end
        # of a get-up, its window 0.01 of the change at 0.20 m/s^2, the rise's 0.11 at 1.81;
        # detrended 0.14 against 0.11, and the rise took the slip 7.7 s late)
        for kt in ks.tolist():
            if kt >= 1 and kt in after_lie and kt + 1 in ks:
                getup = _getup_place(motion, seq, kt, m_old, m_new, still)
                if getup is not None:
                    return getup
        # the tied place whose turn, less the trunk's, is the slip's
        det = _detrended_place(motion, [(seq[k - 1].i1 if k else lo, seq[k].i0) for k in ks],
                               m_old, m_new, still)
        if det is not None:
            return det
        # a slip at a held slouch's other end (_release_place: development seeds 29008, 27027)
        rel = _release_place(probes, seq, ks, m_old, m_new, motion, still)
        if rel is not None:
            return rel
    a0 = seq[ks[0] - 1].i1 if ks[0] else lo
    a1 = seq[ks[-1] - 1].i1 if ks[-1] else lo
    mid = (a0 + a1) // 2
    if still is None:
        return mid, None
    if seq[ks[-1]].i0 > a0:
        # blended across the stretch the tie spans, from the first tied place's start to the
        # posture after the last, as a step's movement is (find_slips): for a slip made
        # anywhere in it the expected squared error is d²L/6 against d²L/4 at its middle, the
        # worst case d²L/3 against d²L/2 (development seed 20006: a slip 6.8 s into a walk
        # whose halves tie, 4.5 s early at the middle; replay @104 of 0-15029 and
        # 19000-22029: 6 of 8 changed sessions better, none worse by more than 0.03 deg)
        return a0, seq[ks[-1]].i0
    mv = np.flatnonzero(~still[a0:a1 + 1]) + a0
    return (int(mv[np.argmin(np.abs(mv - mid))]) if len(mv) else mid), None


#: A clip slip's own motion (:func:`slip_motion_windows`): the window (s) over which the gyro's
#: turn is compared with the mounting change (own choice: the simulators' slips turn in
#: 0.3-0.5 s), the largest residual of that comparison as a fraction of the change, and the
#: largest linear acceleration (m/s²) while it turns. The last two are fitted on the simulator's
#: day sessions (``bench/fit_thresholds.py --fit-all``: the smallest multiples of 0.05 that
#: admit every fit slip's own window). That a real clip turns this fast is the simulators'
#: assumption: a slower creep matches no window and keeps the posture votes' placement.
SLIP_MOTION_S = 0.6
SLIP_MOTION_ERR = 0.3
SLIP_MOTION_LIN = 0.1
#: The linear acceleration is read as its mean over this span (s; own choice: 1/25 Hz, the
#: band the 104- and 208-Hz rows are low-passed to), so the reading's band is set by time,
#: not by the sample rate: at 52 Hz the rows keep content up to 20.8 Hz, and the ring of a
#: clip that snaps into place right after the turn reaches back into the turn's last rows
#: (validation 11001 @52: 0.53 m/s² at the turn's last row, 0.05 at 104 Hz)
SLIP_LIN_MEAN_S = 0.04
#: Windows whose turn residual is within this fraction of the mounting change of the best one
#: tie (own choice: 0.5 deg of a 10-deg slip); by residual, the first within SLIP_MOTION_LIN wins
SLIP_TIE_FRAC = 0.05
SLIP_OFFSET_S = 10.0  # own choice: still rows either side that give the gyro's offset
#: The detrended reading (:func:`_detrended_place`) takes the trunk's own rate through a window
#: as the mean of its rates over a flank either side: half the window, and this span (s; own
#: choice: the simulators' fastest slip turn). A place must read as the slip with both (its
#: rows are still the half-window reading's). The straight line between the flanks' centres
#: misses the curve of a long smooth movement's rate by about the square of their distance:
#: with half-window flanks (centres 0.9 s apart) the peak of a get-up from lying (a 2.5-s bell
#: to 58 deg/s about the slip's axis) read as a 7.6-deg slip to 0.12 of it (0.40 with 0.15-s
#: flanks) and took it, 26.6 s late, from the lie-down that held it (development seed 28010 at
#: every rate; now 1.5 s late, in the lie-down). The short flank alone moved other placements
#: within their own stretch (27006: 0.2 s earlier). Both narrow the hazard, neither ends it: a
#: bell of 0.5 s (1 SD) reads as the slip with either
SLIP_FLANK_S = 0.15


def slip_motion_windows(gyr: np.ndarray, acc: np.ndarray, fs: float, g0: int, g1: int,
                        m_old: np.ndarray, m_new: np.ndarray, still: np.ndarray | None = None,
                        want: np.ndarray | None = None
                        ) -> tuple[int, int, float, float, float, float] | None:
    """The window of ``SLIP_MOTION_S`` starting near the moving stretch [g0, g1) whose
    gyro-integrated turn (sensor axes) best matches the turn the mounting change m_old → m_new
    implies, the trunk held still (the sensor turns by ``m_old · q · m_oldᵀ``, q the body-frame
    correction). The part about the body's vertical is left out: gravity's references cannot
    see it, so the mounting change does not hold it.

    Returns (the rows where the window's turn about the wanted axis passes 5 % and 95 %: the
    turn itself, not the rows around it; the residual deg; the window's turn deg; the largest
    linear acceleration m/s² from the first of those rows to the last before 95 % — specific
    force minus that where the turn starts, carried by the gyro (trapezoid rule), its mean over
    ``SLIP_LIN_MEAN_S`` —; the wanted turn deg), or None (too short). The readings do not
    depend on the sample rate (52 / 104 / 208 Hz). ``want``: :func:`_wanted_turn` of
    ``m_old``, ``m_new``, when the caller has it (the same for each of its stretches)."""
    n = max(2, int(round(SLIP_MOTION_S * fs)))
    a, b = max(0, g0 - n // 2), min(len(gyr), g1 + n // 2)
    if b - a < n + 1:
        return None
    g = np.nan_to_num(gyr[a:b])
    if still is not None:
        # the gyro's offset (up to 2.4 deg/s in the validation family: development seed 3001)
        # turns a window by ~1.5 deg and, carried into the gravity it subtracts, reads as a
        # linear acceleration growing at g * offset (0.25 m/s^2 over a 10.8-deg slip in 3001):
        # the median over the still rows within SLIP_OFFSET_S either side (a held posture's
        # sway, 1-3 deg/s over 0.3 s in the simulator's, averages out over seconds)
        w0, w1 = max(0, g0 - int(SLIP_OFFSET_S * fs)), min(len(gyr), g1 + int(SLIP_OFFSET_S * fs))
        keep = still[w0:w1] & np.isfinite(gyr[w0:w1]).all(axis=1)
        keep[max(0, g0 - w0):max(0, g1 - w0)] = False
        if keep.any():
            g = g - _median_rows(gyr[w0:w1][keep])
    # the turn at each row since the first: the trapezoid rule with its end correction
    # (Euler-Maclaurin, - h^2/12 the rate's change of slope; fourth order). The rectangle rule
    # lags the rates by half a sample: a slip's 80 deg/s over the 9.6-ms half sample at 52 Hz
    # turns the gravity it subtracts by 0.8 deg. A synthetic 10-deg turn in 0.15 s with no
    # linear acceleration read 0.171 / 0.051 / 0.034 m/s^2 at 52 / 104 / 208 Hz by it (with
    # the first row past 95 % and no mean), 0.034 / 0.008 / 0.002 by the plain trapezoid,
    # 0.005 / 0.000 / 0.000 by this (tests/test_clipslip_slip_turn_reads_the_same_at_every_rate)
    c = np.concatenate([np.zeros((1, 3)), np.cumsum((g[1:] + g[:-1]) * (0.5 / fs), axis=0)])
    c -= np.gradient(g, axis=0) / (12.0 * fs)  # h^2/12 * dg/dt, h = 1/fs
    rot = c[n:] - c[:-n]  # small-angle turn over each window (rad): a slip turns about one axis
    want = _wanted_turn(m_old, m_new) if want is None else want
    v = m_old[:, 2]  # body vertical in sensor axes
    d = rot - want
    d -= np.outer(d @ v, v)
    err = np.linalg.norm(d, axis=1)
    wn = float(np.linalg.norm(want))

    def read(i: int) -> tuple[int, int, float]:
        th = c[i:i + n + 1] - c[i]  # the turn since the window's first row, at each of its rows
        along = th @ want / max(float(want @ want), 1e-12)
        i0 = int(np.argmax(along >= 0.05 * along[-1]))
        i1 = max(i0 + 1, int(np.argmax(along >= 0.95 * along[-1])))
        # read up to the last row before the turn passes 95 %, not the first after it: the
        # same span in time at every rate (at 52 Hz the first row past it can sit 19 ms
        # later, in what follows the turn)
        j1 = max(i0 + 1, int(np.argmax(along > 0.95 * along[-1])) - 1)
        f = np.nan_to_num(acc[a + i:a + i + n + 1])
        # from the turn's start, not the window's first row: a window that starts in the step
        # before the slip (development seed 3019, a slip as a walk stops) carried that row's
        # acceleration through the whole turn
        lin = f[i0:j1 + 1] - Rotation.from_rotvec(th[i0:j1 + 1] - th[i0]).inv().apply(f[i0])
        m = min(len(lin), max(1, int(round(SLIP_LIN_MEAN_S * fs))))
        if m > 1:  # the mean over SLIP_LIN_MEAN_S
            cl = np.concatenate([np.zeros((1, 3)), np.cumsum(lin, axis=0)])
            lin = (cl[m:] - cl[:-m]) / m
        return i0, i1, float(np.max(np.linalg.norm(lin, axis=1)))

    # the windows whose turn matches within SLIP_TIE_FRAC of the best, one per run of
    # neighbouring windows (one movement), by residual: the first with at most
    # SLIP_MOTION_LIN of linear acceleration, else the best. Two movements in one stretch can
    # both turn as the slip does (validation 6028 @104: one 0.8 s before the slip matched to
    # 0.05 deg with 0.34 m/s^2, the slip itself to 0.14 deg, by the trapezoid turn); the least
    # acceleration among windows that all pass moved a placement (simday 112 @104: 0.16 -> 0.19)
    tied = runs(err <= err.min() + SLIP_TIE_FRAC * wn).tolist()
    cands = sorted((r0 + int(np.argmin(err[r0:r1])) for r0, r1 in tied), key=lambda k: float(err[k]))
    i, (i0, i1, lin_max) = cands[0], read(cands[0])
    for k in cands[1:]:
        if lin_max <= SLIP_MOTION_LIN:
            break
        r = read(k)
        if r[2] <= SLIP_MOTION_LIN:
            i, (i0, i1, lin_max) = k, r
    return (a + i + i0, a + i + i1, float(np.degrees(err[i])),
            float(np.degrees(np.linalg.norm(rot[i]))), lin_max, float(np.degrees(wn)))


def _median_rows(x: np.ndarray) -> np.ndarray:
    """``np.median(x, axis=0)`` of finite rows (n ≥ 1), without its wrappers (~700 calls on an
    8-h day): each column's middle value, or its two middle values, summed from 0 and divided
    by their count as ``np.mean`` does (so a −0 reads +0 there too), so the same bits."""
    s = np.sort(x, axis=0)
    h = len(s) // 2
    return (0.0 + s[h]) / 1.0 if len(s) % 2 else (0.0 + s[h - 1] + s[h]) / 2.0


def _wanted_turn(m_old: np.ndarray, m_new: np.ndarray) -> np.ndarray:
    """The sensor's turn (rotation vector, rad, sensor axes) the mounting change implies."""
    return m_old @ Rotation.from_matrix(m_new.T @ m_old).as_rotvec()


#: rows [r0, r1) of the prepared gyro (rad/s) and specific force (m/s²), sensor axes, and the
#: sample rate: what :func:`place_slip` reads of the slip's own motion
Motion = tuple[Callable[[int, int], tuple[np.ndarray, np.ndarray]], float]


def _gap_reading(motion: Motion, g0: int, g1: int, m_old: np.ndarray, m_new: np.ndarray,
                 still: np.ndarray | None, want: np.ndarray
                 ) -> tuple[int, int, float, float, float, float] | None:
    """:func:`slip_motion_windows` of the moving stretch [g0, g1) read from ``motion``'s rows
    (only the stretch and the still rows around it that give the gyro's offset), its rows
    made absolute."""
    rows, fs = motion
    n = max(2, int(round(SLIP_MOTION_S * fs)))
    w = n // 2 if still is None else max(n // 2, int(SLIP_OFFSET_S * fs))
    a = max(0, g0 - w)
    gyr, acc = rows(a, g1 + w)
    f = slip_motion_windows(gyr, acc, fs, g0 - a, g1 - a, m_old, m_new,
                            None if still is None else still[a:a + len(gyr)], want)
    return None if f is None else (a + f[0], a + f[1], *f[2:])


def _turns_as_slip(motion: Motion, g0: int, g1: int, m_old: np.ndarray, m_new: np.ndarray,
                   still: np.ndarray | None) -> bool:
    """Whether some window overlapping the moving stretch [g0, g1) turns the sensor as the
    mounting change does, within ``SLIP_MOTION_ERR`` of it, whatever its linear acceleration
    (a slip made while the wearer moves still turns the sensor so); True when it cannot be
    read. Every window that overlaps it, not only those around it: a turn larger than the
    change, or one that runs past the stretch's end, holds a part that matches only at its
    edge (development seed 12015: an inside-a-slouch slip whose gyro turned 9.7 deg for a
    6.7-deg change matched only in the window starting 0.1 s into it, 0.3 s before the still
    posture after it began; read over the stretch alone it missed by 0.40 of the change)."""
    h = max(2, int(round(SLIP_MOTION_S * motion[1]))) // 2
    f = _gap_reading(motion, g0 - h, g1 + h, m_old, m_new, still, _wanted_turn(m_old, m_new))
    return f is None or f[2] <= SLIP_MOTION_ERR * f[5]


def _gap_turn(motion: Motion | None, seq: list[RefPosture], k: int, m_old: np.ndarray,
              m_new: np.ndarray, still: np.ndarray | None) -> tuple[int, int] | None:
    """The rows of the turn (:func:`_motion_place`) in the gap before ``seq[k]`` (a held
    step's movement) when a window of it turns the sensor as the slip does; None when none
    does, or without ``motion``."""
    if motion is None:
        return None
    found = _motion_place(motion, [(seq[k - 1].i1, seq[k].i0)], m_old, m_new, still)
    return None if found is None else (found[0], found[1])


def _gap_place(motion: Motion | None, seq: list[RefPosture], k: int, m_old: np.ndarray,
               m_new: np.ndarray, still: np.ndarray | None) -> tuple[int, int]:
    """A slip placed at a held step, the gap before ``seq[k]``: blended over the window of
    the gap that turns as the slip does (:func:`_gap_turn`), else over the whole gap."""
    turn = _gap_turn(motion, seq, k, m_old, m_new, still)
    return turn if turn is not None else (seq[k - 1].i1, seq[k].i0)


def _motion_place(motion: Motion, gaps: list[tuple[int, int]], m_old: np.ndarray,
                  m_new: np.ndarray, still: np.ndarray | None) -> tuple[int, int, int] | None:
    """Among the moving stretches ``gaps`` (rows, the places the posture votes cannot tell
    apart), the one whose best window (:func:`slip_motion_windows`) turns the sensor as the
    mounting change does (within ``SLIP_MOTION_ERR`` of it) with at most ``SLIP_MOTION_LIN``
    of linear acceleration: the rows of its turn and the gap's index. None when no window, or
    windows in more than one place, match: then the posture votes' rule places the slip."""
    n = max(2, int(round(SLIP_MOTION_S * motion[1])))
    hits: list[tuple[int, int, int]] = []
    want = _wanted_turn(m_old, m_new)  # made once, not per stretch (scipy's from_matrix)
    for g, (g0, g1) in enumerate(gaps):  # per tied place (few); only its rows are read
        f = _gap_reading(motion, g0, g1, m_old, m_new, still, want)
        if f is not None and f[2] <= SLIP_MOTION_ERR * f[5] and f[4] <= SLIP_MOTION_LIN:
            hits.append((f[0], f[1], g))
    if not hits or max(h[0] for h in hits) - min(h[0] for h in hits) > n:
        return None  # none, or more than one movement fits
    return hits[0]


def _getup_place(motion: Motion, seq: list[RefPosture], k: int, m_old: np.ndarray,
                 m_new: np.ndarray, still: np.ndarray | None) -> tuple[int, int] | None:
    """``seq[k]`` the sit after a lie: the rows of the get-up into it (the gap before it) when
    its best window (:func:`slip_motion_windows`) turns the sensor as the mounting change does
    as closely as windows tie (``SLIP_TIE_FRAC``: the linear-acceleration bound is waived, a
    get-up still moves the sensor, so the turn must match the closer), more closely than the
    best window of the step out of it (the gap after it) and with less linear acceleration;
    else None. Both are movements, and a slip is made in either (:func:`place_slip`: 31003,
    24025 in the get-up; 6027, 14011, 15002, 10, 1005, 14028 in the rise)."""
    if k < 1 or k + 1 >= len(seq):
        return None
    want = _wanted_turn(m_old, m_new)
    up = _gap_reading(motion, seq[k - 1].i1, seq[k].i0, m_old, m_new, still, want)
    rise = _gap_reading(motion, seq[k].i1, seq[k + 1].i0, m_old, m_new, still, want)
    if up is None or rise is None or up[2] > SLIP_TIE_FRAC * up[5] or up[2] >= rise[2] \
            or up[4] >= rise[4]:
        return None
    return up[0], up[1]


def _detrended_read(motion: Motion, g0: int, g1: int, nb: int, want: np.ndarray, v: np.ndarray,
                    still: np.ndarray | None) -> tuple[float, int, int, int] | None:
    """:func:`_detrended_place`'s reading of the stretch [g0, g1) with flanks of ``nb`` rows:
    its best window's residual (rad) against the turn ``want`` (less its part about ``v``),
    the rows where its turn, less the trunk's, passes 5 % and 95 %, and the window's first
    row. None when the rows around it are too few."""
    rows, fs = motion
    n = max(2, int(round(SLIP_MOTION_S * fs)))
    wn = float(np.linalg.norm(want))
    w = nb + n if still is None else max(nb + n, int(SLIP_OFFSET_S * fs))
    a = max(0, g0 - w)
    gyr, _ = rows(a, g1 + w)
    lo, hi = max(0, g0 - n // 2 - nb - a), min(len(gyr), g1 + n // 2 + n + nb - a)
    if hi - lo < n + 2 * nb + 1:
        return None
    g = np.nan_to_num(gyr[lo:hi])
    if still is not None:
        st = still[a:a + len(gyr)]
        keep = st & np.isfinite(gyr).all(axis=1)
        keep[max(0, g0 - a):max(0, g1 - a)] = False
        if keep.any():
            g = g - np.median(gyr[keep], axis=0)
    c = np.concatenate([np.zeros((1, 3)), np.cumsum((g[1:] + g[:-1]) * (0.5 / fs), axis=0)])
    i = np.arange(nb, len(c) - n - nb)
    rate = (c[i] - c[i - nb] + c[i + n + nb] - c[i + n]) / (2.0 * nb)  # per row
    d = c[i + n] - c[i] - n * rate - want
    d -= np.outer(d @ v, v)
    e = np.linalg.norm(d, axis=1)
    j = int(np.argmin(e))
    k = int(i[j])
    th = c[k:k + n + 1] - c[k] - np.arange(n + 1)[:, None] * rate[j]
    along = th @ want / max(wn * wn, 1e-12)
    i0 = int(np.argmax(along >= 0.05 * along[-1]))
    i1 = max(i0 + 1, int(np.argmax(along >= 0.95 * along[-1])))
    return float(e[j]), a + lo + k + i0, a + lo + k + i1, a + lo + k


def _detrended_place(motion: Motion, gaps: list[tuple[int, int]], m_old: np.ndarray,
                     m_new: np.ndarray, still: np.ndarray | None) -> tuple[int, int] | None:
    """Where the posture rules can only guess (the middle of places they cannot tell apart):
    the moving stretch of ``gaps`` (rows) holding the window of ``SLIP_MOTION_S`` whose gyro
    turn, less the trunk's own turn carried through it, best matches the mounting change
    (within ``SLIP_MOTION_ERR`` of it): the rows where that turn passes 5 % and 95 %; else None.

    A clip turns in 0.15-0.5 s on top of what the trunk does; the trunk's turn through the
    window is its mean rate over a flank either side, times the window. Each stretch is read
    with flanks of half the window and of ``SLIP_FLANK_S``; its residual is the larger of the
    two readings' (a slip's short turn reads so with both, a smooth movement's curve with one
    at most: development seed 28010), its rows the half-window reading's (the short flank's
    rows moved placements within their own stretch: 12027 and 24019 @104, 0.1-0.2 s). A slip
    made while the trunk moves (lying down, getting up, into a held bend) turns the window by the
    trunk's turn plus the slip's, which the plain reading (:func:`slip_motion_windows`) takes
    for a mismatch: development seeds 3011, 9002, 9020 (slips made lying down or getting up,
    22-46 s off at the tie's middle) read 0.04-0.19 of the change so, the other places 0.06-0.21
    (``bench/slipone_study.py --part gaps``). The gyro's offset is removed as there.

    Read only before a tie's middle, not over an excursion's (a variant that did, 8e05697, made
    9 development sessions worse). The reading does not tell a slip from a trunk movement about
    the same axis (a flank-detrended sagittal bend leaves up to ~40 deg): it separates them by the
    slip's axis being off the trunk's; development seeds 5027 and 3017 @104 are placed worse by
    it (the truth's stretch reads 0.41 of the change; a slip inside a still probe)."""
    rows, fs = motion
    n = max(2, int(round(SLIP_MOTION_S * fs)))
    want = _wanted_turn(m_old, m_new)
    wn = float(np.linalg.norm(want))
    v = m_old[:, 2]

    best: tuple[float, int, int] | None = None
    for g0, g1 in gaps:  # per place (few); only its rows are read
        if g1 <= g0:
            # no gap (a walk's split): one window either side of it, not only the windows
            # starting within half a window (development seed 29027: a slip made walking 0.4 s
            # from the split read 0.07 of the change over its own second but 0.67 so, and the
            # tie was blended from the walk's start, 14.2 s early; 20006, 7.9 s early)
            g0, g1 = g0 - n, g1 + n
        rl = _detrended_read(motion, g0, g1, max(1, n // 2), want, v, still)
        rs = _detrended_read(motion, g0, g1, max(1, int(round(SLIP_FLANK_S * fs))), want, v,
                             still)
        if rl is None or rs is None:
            continue
        score = max(rl[0], rs[0])  # the slip reads so whatever the flank
        if best is None or score < best[0]:
            best = (score, rl[1], rl[2])  # the rows as the half-window flanks read them
    if best is None or best[0] > SLIP_MOTION_ERR * wn:
        return None
    return best[1], best[2]


def _release_place(probes: list[RefPosture], seq: list[RefPosture], ks: np.ndarray,
                   m_old: np.ndarray, m_new: np.ndarray, motion: Motion,
                   still: np.ndarray | None) -> tuple[int, int] | None:
    """Where the tie leaves one place, the step into the posture that shows the slip (the
    last of ``seq``), and neither reading of that step turns as the slip does (plain,
    :func:`_turns_as_slip`; detrended, :func:`_detrended_place` already found nothing): the
    other end of a posture held around it, where the trunk moved and the sensor held, when that
    end's step turns as the slip does detrended. A slouch of the slip's size reads as one
    mounting at both ends (the new one held in the slip's direction, the old one against it,
    the slip cancelling it); the trunk's own end of it turns the sensor,
    the clip's end turns the trunk under a sensor that holds (the clip turned against it), so
    the postures either side of it read alike. Of (a) the step out of the showing posture into
    the next probe, of its kind, reading as it did, and (b) the step into the posture before
    it, of its kind, from one of its kind reading as that posture did: the rows of the one that
    turns as the slip does, when exactly one does; else None.

    Development seed 29008 (@52/104/208): a +11.4-deg slip at a 28.7-s standing slouch's
    release; the slouch reads 12.3 deg old and 1.5 new at its ends, so it shows the slip, and
    the tie blended the slip over the onset, 28.6 s early. The onset's step turned the sensor
    8.0 deg, 0.68 / 0.94 of the change plain / detrended; the release's 3.5 deg, 0.45 / 0.20.
    27027: a -8.1-deg slip at a 38-s seated slouch's onset, the slouch reading old; blended
    over the release, 37.9 s late. The release turned 13.8 deg, 0.34 / 0.91; the onset 1.3
    deg, 0.44 / 0.07. The kinds: 27027's step out of the showing sit, a rise to standing,
    reads 0.19 detrended (bench/release_study.py); TRACE9's variant X, which took any exit of
    the showing posture, made 24 development session-rates worse."""
    n = len(seq)
    if len(ks) != 1 or int(ks[0]) != n - 1 or n < 2:
        return None
    last = seq[-1]
    g0, g1 = seq[-2].i1, last.i0
    if g1 <= g0:
        return None

    def first(p: RefPosture) -> np.ndarray:
        return p.up_first if p.up_first is not None else p.up

    def final(p: RefPosture) -> np.ndarray:
        return p.up_last if p.up_last is not None else p.up

    far: list[tuple[int, int]] = []
    nxt = next((p for p in probes if p.i0 > last.i1), None)  # (a)
    if nxt is not None and nxt.kind == last.kind and nxt.i0 > last.i1 \
            and angle_deg(final(last), first(nxt)) <= P.SLIP_AGREE_DEG:
        far.append((last.i1, nxt.i0))
    if n >= 3:  # (b)
        p, pp = seq[-2], seq[-3]
        if p.kind == last.kind and pp.kind == p.kind and p.i0 > pp.i1 \
                and angle_deg(final(pp), first(p)) <= P.SLIP_AGREE_DEG:
            far.append((pp.i1, p.i0))
    return _end_turn(motion, (g0, g1), far, m_old, m_new, still, near_read=True)


def _end_turn(motion: Motion, near: tuple[int, int], far: list[tuple[int, int]],
              m_old: np.ndarray, m_new: np.ndarray, still: np.ndarray | None,
              near_read: bool = False) -> tuple[int, int] | None:
    """A held posture's other end: when the moving stretch ``near`` (rows; one end of the
    posture, where the posture votes put the slip) turns as no slip does, plain
    (:func:`_turns_as_slip`) and detrended (:func:`_detrended_place`; ``near_read``: the caller
    has read that already), the rows of the one stretch of ``far`` (its other ends) that turns
    as the slip does detrended, when exactly one does; else None. At the trunk's own end of a
    held slouch the trunk turns the sensor; at the clip's end the gyro's short turn, less the
    trunk's flank rate, is the slip's (:func:`_release_place`; the excursion rule's middle in
    :func:`place_slip`)."""
    g0, g1 = near
    if g1 <= g0 or _turns_as_slip(motion, g0, g1, m_old, m_new, still) \
            or (not near_read and _detrended_place(motion, [near], m_old, m_new, still)
                is not None):
        return None
    found = [d for d in (_detrended_place(motion, [g], m_old, m_new, still) for g in far)
             if d is not None]
    return found[0] if len(found) == 1 else None


def _last_still(still: np.ndarray | None, lo: int, hi: int) -> int:
    """The last still sample in [lo, hi − 1) (where the movement into ``hi`` starts), else lo."""
    if still is None or hi <= lo:
        return lo
    st = np.flatnonzero(still[lo:hi])
    st = st[st < (hi - lo) - 1]
    return lo + int(st[-1]) if len(st) else lo


def confirm_slip(r: RefPosture, later: list[RefPosture], m: np.ndarray,
                 base: dict[str, np.ndarray],
                 stands: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[float, np.ndarray, RefPosture | None] | None:
    """Is reference ``r`` (its kind has a baseline in ``base``, body coordinates of the
    mounting ``m``) a clip slip, judged with the references after it (``later``)?

    None: no — within ``SLIP_MIN_DEG`` of its baseline, beyond ``SLIP_MAX_DEG`` (a bend or a
    lean held still), not confirmed by the next walk or quiet stand, or the quiet stands after
    it side with the old mounting. ``(deg, q, None)``: a candidate that no reference in
    ``later`` can confirm yet. ``(deg, q, nxt)``: a slip of ``deg`` degrees, ``q`` the
    body-frame correction (the mounting becomes ``m · qᵀ``), ``nxt`` the reference that
    confirmed it. Shared by :func:`find_slips` and the live view's
    :class:`kyphos.processing.causal.LiveClipSlip`. ``stands``: :func:`later_stands` of
    ``later`` when the caller has it."""
    b = m.T @ r.up
    dev = angle_deg(b, base[r.kind])
    if dev > P.SLIP_MAX_DEG or dev <= P.SLIP_MIN_DEG:
        return None
    q = _rotation_between(b, base[r.kind])  # body-frame correction
    # the confirming reference is a walk or a quiet stand: people choose how they sit
    # (leaning back, an exercise hold) far more than how they stand or walk
    nxt = next((x for x in later if x.kind in base and x.kind in CONFIRM_KINDS
                and angle_deg(m.T @ x.up, base[x.kind]) <= P.SLIP_MAX_DEG), None)
    if nxt is None:
        return dev, q, None
    bn = m.T @ nxt.up
    # the correction brings the next reference back onto its baseline too
    if not (angle_deg(q @ bn, base[nxt.kind]) <= P.SLIP_AGREE_DEG
            and angle_deg(bn, base[nxt.kind]) > P.SLIP_MIN_DEG):
        return None
    # both references say how far: average the two corrections
    q2 = _rotation_between(bn, base[nxt.kind])
    q = Rotation.from_matrix(np.stack([q, q2])).mean().as_matrix()
    if later_stands_keep(later, m, q, base, stands):
        return None  # a slouch confirmed by a slouched stand: the stands after it say no
    return dev, q, nxt


def place_shown_slip(probes: list[RefPosture], floor: int, r: RefPosture, nxt: RefPosture,
                     m_old: np.ndarray, m_new: np.ndarray, base: dict[str, np.ndarray],
                     still: np.ndarray | None, motion: Motion | None) -> tuple[int, int | None]:
    """:func:`place_slip` for the slip posture ``r`` showed and ``nxt`` confirmed, as
    :func:`find_slips` and the live view (``causal.LiveClipSlip``) place it."""
    j, j1 = place_slip(probes, floor, r.i0, m_old, m_new, base, still, motion)
    if motion is not None and r.kind not in CONFIRM_KINDS:
        # a sit that shows a slip may be a slouch the slip came inside (the new mounting
        # reads it upright by chance: development seeds 7000, 7013, a slip 18-21 s into a
        # seated slouch of its size and direction): searched up to the walk or stand that
        # confirmed it, a place after the sit's start is taken only from the slip's own
        # turn (a slow drift after the sit, a step the slip undoes, took 7012 at 52 Hz 62 s
        # late when the postures could place it there too)
        late = place_slip(probes, floor, nxt.i0, m_old, m_new, base, still, motion, True)
        # or a turn in the same movement as the first search's place, no posture between
        # (development seed 15013 @104: a slip made sitting down, placed at the stand's end
        # 2.0 s before its turn, which the late search read inside that movement)
        if late[0] > r.i0 or j1 is None and j <= late[0] and not any(
                j < p.i0 <= late[0] for p in probes):
            j, j1 = late
    if motion is not None and (j1 is None or j1 <= j):
        j, j1 = _walk_split_turn(probes, j, j1, m_old, m_new, still, motion)
    return j, j1


def _walk_split_turn(probes: list[RefPosture], j: int, j1: int | None, m_old: np.ndarray,
                     m_new: np.ndarray, still: np.ndarray | None, motion: Motion
                     ) -> tuple[int, int | None]:
    """A slip placed at a walk's split (:func:`_walk_split`: a held step with no gap between
    the walk's two parts) that sits within half a second of its bound (a part ``REF_MIN_S``
    long: the change point could go no farther, so the change may be anywhere in that part):
    the rows of the slip's own turn when the detrended reading (:func:`_detrended_place`)
    takes one, read first one window either side of the split (as it reads a tie's split),
    then over the whole bounded part and one window past the split; else (j, j1) unchanged.

    In gait the plain reading's linear acceleration refuses every window, so the held step
    placed such a slip at the split (development seed 30015: an 11.5-deg slip 1.3 s into a
    walk, the split held 3.0 s in, re-referenced 1.7 s late; its own window reads 0.09 of the
    change detrended). The split first: in a short walk both parts are near their bounds and
    the split was right, while the walk's first window (the gait's start) read 0.10 of the
    change (development seed 19021: 3.3 s early when the part was read alone). Not at other
    splits: there the reading moved a right split (development seed 5005 @104: to a turn
    read from 0.4 s before the slip, 0.356 -> 0.389 deg; TRACE10)."""
    fs = motion[1]
    m = max(2, int(P.REF_MIN_S * fs))
    n = max(2, int(round(SLIP_MOTION_S * fs)))
    near = int(round(0.5 * fs))  # own choice: about one step of gait, the statistic's ripple
    for p in probes:
        if p.kind != "walking" or p.i_split != j:
            continue
        if j - p.i0 <= m + near:
            part = (p.i0, j + n)
        elif p.i1 - j <= m + near:
            part = (j - n, p.i1)
        else:
            return j, j1
        for gap in ((j - n, j + n), part):
            det = _detrended_place(motion, [gap], m_old, m_new, still)
            if det is not None:
                return det
        return j, j1
    return j, j1


#: why of the re-reference from the first row when the calibration's upright is after a slip
WHY_AFTER_SLIP = "the calibration's upright is after a clip slip"


def find_slips(refs: list[RefPosture], sensor_from_body: np.ndarray, time: np.ndarray,
               still: np.ndarray | None = None, probes: list[RefPosture] | None = None,
               motion: Motion | None = None) -> list[ReReference]:
    """Clip slips in time order (see the module docstring). ``probes``: short still postures
    (:func:`reference_postures` with a short ``min_s``) that place each slip between the
    references; ``still`` (N,) is the fallback.

    The mounting ``sensor_from_body`` is taken to be right for the stretch between slips whose
    quiet standing matches its upright best (an automatic calibration may have found its
    upright after a slip); the other stretches are turned by the slips between them.
    """
    m0 = np.asarray(sensor_from_body, float)
    m = m0.copy()
    base: dict[str, np.ndarray] = {}
    out: list[ReReference] = []
    floor = 0  # the last slip's row
    # the quiet stands every candidate's later_stands_keep reads, made once (~1,800 candidates
    # on an 8-h day each listed the ~thousands of references after it): candidate i reads
    # those after it, the same rows
    st_at = np.array([k for k, x in enumerate(refs) if x.kind == "standing"], int)
    st_ups, st_dur = later_stands(refs)
    i = 0
    while i < len(refs):  # per reference posture
        r = refs[i]
        if r.kind not in REF_KINDS:
            i += 1
            continue
        b = m.T @ r.up  # the reference's up in body coordinates, current mounting
        if r.kind not in base:
            if r.kind == "standing" and angle_deg(b, UPRIGHT) <= P.SLIP_MAX_DEG \
                    or r.kind != "standing" and stands_agree(refs, i, m, base):
                base[r.kind] = b
            i += 1
            continue
        k = int(np.searchsorted(st_at, i, side="right"))  # the stands after refs[i]
        slip = confirm_slip(r, refs[i + 1:], m, base, (st_ups[k:], st_dur[k:]))
        nxt = None if slip is None else slip[2]
        if slip is None or nxt is None:
            i += 1
            continue
        dev, q, _ = slip
        m_new = m @ q.T  # new sensor-from-body: body coordinates turned by q
        pbase = later_sitting_base(refs, i, m_new, base)
        j, j1 = place_shown_slip(probes or [], floor, r, nxt, m, m_new, pbase, still, motion)
        if j1 is not None and not j < j1:
            j1 = None
        # the mounting is blended across the step's whole movement, however long: a slip made
        # anywhere in it (uniformly) leaves the least squared error so, a third of switching at
        # the movement's start and two thirds of switching at its middle, and the worst case a
        # third of the start's; the blend also adds no jump. (Until the eleventh session only
        # movements of up to 2 s were blended; development seeds 10018 and 6027: slips in a
        # 3.0-s stoop lift and a 2.1-s movement between two stands were switched at its start,
        # 1.1 and 1.0 s early.) A turn-placed slip is blended over its own turn (< 0.6 s)
        m = m_new
        why = f"{r.kind} at {r.start_s:.0f} s and {nxt.kind} at {nxt.start_s:.0f} s"
        out.append(ReReference(float(time[j]), dev, why, m.copy(), j, j1))
        floor = max(r.i1, j)
        i += 1
    if not out:
        return out
    if "standing" in base:
        out = refine_mountings(out, refs, base["standing"])
    # which stretch is the calibration's own: the one whose quiet standing is most upright
    edges = [rr.index for rr in out]
    mats = [m0] + [rr.sensor_from_body for rr in out]
    best, e = np.inf, 0
    for r in refs:
        if r.kind != "standing":
            continue
        k = int(np.searchsorted(edges, r.i0, side="right"))
        d = angle_deg(m0.T @ r.up, UPRIGHT)
        d_own = angle_deg(mats[k].T @ r.up, UPRIGHT)
        if d < best and d < d_own + P.SLIP_MIN_DEG and d <= P.SLIP_MIN_DEG:
            best, e = d, k
    if e:
        me = mats[e]
        mats = [m0 @ me.T @ mk for mk in mats]
        out = [ReReference(rr.t_s, rr.deg, rr.why, mats[k + 1], rr.index, rr.index_end)
               for k, rr in enumerate(out)]
        # the stretch before the first slip is re-referenced too (from the start)
        out.insert(0, ReReference(0.0, angle_deg(mats[0][:, 2], m0[:, 2]),
                                  WHY_AFTER_SLIP, mats[0], 0))
    return _turn_by_held_bends(out, probes or refs, m0, motion)


#: Held bends that set a re-referenced mounting's turn about body z (:func:`_turn_by_held_bends`):
#: still probes tilted beyond HELD_BEND_DEG from upright; of the groups of them whose
#: directions lie within BEND_DIR_NEAR_DEG of one of them, the one with the most votes (both
#: fitted: ``bench/fit_thresholds.py``).
HELD_BEND_DEG = 30.0
BEND_DIR_NEAR_DEG = 2.0
_HELD_CAP_S = 10.0  # votes stop growing here (as refine_mountings counts a stand)


#: the kinds of probe a held bend is (:func:`_held_bends`)
_HELD_KINDS = ("standing", "sitting")


def _bent_ups(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """(up (k, 3) in body axes, votes) of each held forward bend starting in rows [lo, hi)
    through mounting ``m``: a still standing or sitting probe tilted beyond ``HELD_BEND_DEG``
    from upright, forward (:func:`_held_bends`, :func:`_lone_leaned`)."""
    sel = [x for x in probes if x.kind in _HELD_KINDS and lo <= x.i0 < hi]
    ub = np.array([m.T @ x.up for x in sel]).reshape(-1, 3)
    votes = np.maximum(1.0, np.minimum([x.end_s - x.start_s for x in sel], _HELD_CAP_S)
                       / P.REF_MIN_S).reshape(-1)
    bent = (np.degrees(np.arccos(np.clip(ub[:, 2], -1.0, 1.0))) > HELD_BEND_DEG) \
        & (ub[:, 0] < 0.0)  # forward only (a lean back is not a bend)
    return ub[bent], votes[bent]


def _held_bends(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(direction deg, votes) of each held forward bend starting in rows [lo, hi) through
    mounting ``m`` (:func:`_bent_ups`, :func:`_bend_dirs`)."""
    ub, votes = _bent_ups(probes, lo, hi, m)
    return np.degrees(np.arctan2(ub[:, 1], -ub[:, 0])), votes


def _bend_dirs(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray,
               toward: float = 0.0, tie_none: bool = False) -> np.ndarray:
    """Direction (deg, about body z; 0 = straight forward, + toward body y) of each held
    forward bend (a still standing or sitting probe tilted beyond ``HELD_BEND_DEG``) starting in
    rows [lo, hi), seen through mounting ``m``: the group within ``BEND_DIR_NEAR_DEG`` of one of
    them with the most votes (a probe: one vote, or one per ``REF_MIN_S`` held, up to 10 s; of
    groups with as many, the one whose mean is nearest ``toward``, deg; with ``tie_none``, only
    if that mean is within ``BEND_DIR_NEAR_DEG`` of ``toward``, else none: empty).

    A wearer holds task bends one way; the still bottoms of lifts (0.5-1 s) lean 8-18 deg
    sideways, each its own way. The median of all directions was not robust to them: with
    few bends after a slip, two or three lifts leaned to one side set the turn (validation
    seeds 12, 7010: 8.2 and 5.5 deg; 8019: 3.3 deg against a 14-s held bend;
    bench/mounting_study.py). Groups counted by number alone were set by two lifts that
    happened to agree (seed 4013: 12 deg against one 15-s held bend), by time held alone by
    one 1.2-s lift leaned 18 deg (seed 5026). Where every bend is a leaned lift (seeds 2012,
    2029) nothing can outvote them. Of groups as strong that disagree, the one that agrees with
    the calibration stretch's bends (within ``BEND_DIR_NEAR_DEG``) is a straight lift bottom
    among leaned ones (validation seeds 7017, 11005, 6023, 8020); if none agrees they are no
    evidence of a turn (seed 11021: two 0.6-s lift bottoms leaned 12 deg to one side, 10 deg
    apart, the nearer set an 11-deg turn against a true 1 deg), and a slip's stretch
    (``tie_none``) keeps the smallest rotation."""
    d, w = _held_bends(probes, lo, hi, m)
    if len(d) == 0:
        return d
    near = np.abs(d[:, None] - d[None, :]) <= BEND_DIR_NEAR_DEG  # (n, n), n: a few bends
    size = near @ w  # votes of each bend's group
    best = np.flatnonzero(size >= size.max() - 1e-9)
    means = (near[best] @ d) / near[best].sum(axis=1)
    jj = int(np.argmin(np.abs(means - toward)))
    if tie_none and np.any(near[best] != near[best[jj]]) \
            and abs(means[jj] - toward) > BEND_DIR_NEAR_DEG:  # a tie none of which agrees
        return d[:0]
    return d[near[best[jj]]]


def gait_dir(acc: np.ndarray, up: np.ndarray, m: np.ndarray, fs: float) -> tuple[float, float]:
    """Direction (deg about body z, as :func:`_bend_dirs` reads a bend: 0 straight ahead) of a
    walk's fore-aft axis, seen through mounting ``m``: ``acc`` (n, 3) the walk's specific
    force (sensor axes), ``up`` its unit mean gravity direction.

    The trunk's horizontal acceleration at the step frequency is fore-aft (the surge and the
    trunk's pitch at each step); the side-to-side sway and roll run at the stride frequency,
    half of it. So the walk's own step frequency (the peak of the vertical bounce's spectrum
    within the step intervals' band) and the horizontal components' Hann-windowed Fourier
    coefficients there give a line. Only their part in quadrature with the bounce's is used:
    an accelerometer offset tilts the walk's mean gravity, and the bounce (2-3 x the surge)
    then leaks into the horizontal in phase with itself (one walk's direction 2.1 / 1.6 deg
    off in sd on validation 6000-6009 / 13000-13009 so; 2.2 / 0.6 in quadrature,
    ``bench/turn_gait_estimators.py``). Returns (direction, weight): the weight is the
    squared quadrature amplitude, small where the surge is in phase with the bounce."""
    e1 = m[:, 0] - (m[:, 0] @ up) * up  # body x, horizontal
    e1 = e1 / _norm(e1)
    a = acc - acc.mean(axis=0)
    a *= np.hanning(len(a))[:, None]
    h = np.column_stack([a @ up, a @ e1, a @ np.cross(up, e1)])  # vertical, fore, left
    nfft = 1 << int(np.ceil(np.log2(16 * len(a))))  # zero-padded: the peak to ~fs/16/n
    spec = np.fft.rfft(h, nfft, axis=0)
    f = np.fft.rfftfreq(nfft, 1.0 / fs)
    band = (f >= 1.0 / P.STEP_INTERVAL_S[1]) & (f <= 1.0 / P.STEP_INTERVAL_S[0])
    k = int(np.flatnonzero(band)[np.argmax(np.abs(spec[band, 0]))])
    ax = np.imag(spec[k, 1:] * np.conj(spec[k, 0])) / max(abs(spec[k, 0]), 1e-300)
    w = float(ax @ ax)
    ax = ax if ax[0] >= 0 else -ax
    return float(np.degrees(np.arctan2(-ax[1], ax[0]))), w


def _lift_bottoms(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray,
                  chosen: np.ndarray) -> bool:
    """Whether the held bends ``chosen`` (directions, a group :func:`_bend_dirs` chose in rows
    [lo, hi) through ``m``) are all still moments (one vote each: none held over
    ``REF_MIN_S``), as the bottoms of lifts are; a task bend held longer is kept as it is."""
    d, w = _held_bends(probes, lo, hi, m)
    return bool(len(chosen)) and not np.any(w[np.isin(d, chosen)] > 1.0)


#: The sideways lean of the fit family's leaned lifts at their bottom (deg, either side;
#: ``kyphos.sim.scenario.random_day_session``: a lift's ``lateral_deg`` is 0 or 8-18): a lone lift
#: bottom whose direction such a lean reads, with no turn, tells no turn (:func:`_lone_leaned`)
LIFT_LEAN_DEG = (8.0, 18.0)


def _lone_leaned(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray) -> bool:
    """Whether the held bends in rows [lo, hi) (through ``m``) are one still moment alone (a
    single bend of one vote: held under ``REF_MIN_S``, as a lift's bottom is) whose direction a
    lift leaned sideways by ``LIFT_LEAN_DEG`` reads with no turn: the trunk flexed then bent
    sideways by ``l`` holds gravity at (-sin f, sin l cos f, cos l cos f) in body axes, so
    with no turn its lean is atan2(y, z) of the bend's up (a turn of a few degrees reads as
    1-3 deg of lean at 30-60 deg of flexion). Bent steeply the two are alike (validation 15027:
    at 75.5 deg a right 2.8-deg turn read as a 12-deg lean and was dropped, 0.30 -> 0.31 deg),
    but there a lean of 8-18 deg moves the direction by only 2-5 deg, the most it can cost."""
    ub, w = _bent_ups(probes, lo, hi, m)
    if len(w) != 1 or w[0] > 1.0:
        return False
    u = ub[0]
    lean = abs(float(np.degrees(np.arctan2(u[1], u[2]))))
    return LIFT_LEAN_DEG[0] <= lean <= LIFT_LEAN_DEG[1]


def _nearest_gait(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray, ref: float,
                  gait: float) -> np.ndarray:
    """Of the groups of held bends in rows [lo, hi) (through ``m``; :func:`_bend_dirs`), the
    one whose turn (its mean less ``ref``, the calibration's bends) is nearest ``gait``, the
    walks' change of direction — or no turn (empty), a candidate only when no group's turn is
    within ``BEND_DIR_NEAR_DEG`` of 0 (such a group is the straight reading, with its measured
    small turn)."""
    d, _ = _held_bends(probes, lo, hi, m)
    near = np.abs(d[:, None] - d[None, :]) <= BEND_DIR_NEAR_DEG
    turns = (near @ d) / near.sum(axis=1) - ref
    j = int(np.argmin(np.abs(turns - gait)))
    if not np.any(np.abs(turns) <= BEND_DIR_NEAR_DEG) and abs(gait) < abs(turns[j] - gait):
        return d[:0]
    return d[near[j]]


def _gait_dirs(probes: list[RefPosture], lo: int, hi: int, m: np.ndarray,
               motion: Motion | None) -> float | None:
    """The walks' direction inside rows [lo, hi): :func:`gait_dir`'s directions averaged by
    its weights (None without ``motion`` or a walk)."""
    if motion is None:
        return None
    rows, fs = motion
    dw = np.array([gait_dir(rows(x.i0, x.i1)[1], x.up, m, fs) for x in probes
                   if x.kind == "walking" and lo <= x.i0 and x.i1 <= hi
                   and x.i1 - x.i0 >= 4], float).reshape(-1, 2)
    if len(dw) == 0 or dw[:, 1].sum() <= 0.0:
        return None
    return float(dw[:, 0] @ dw[:, 1] / dw[:, 1].sum())


def _turn_by_held_bends(out: list[ReReference], probes: list[RefPosture],
                        m0: np.ndarray, motion: Motion | None = None) -> list[ReReference]:
    """Each re-referenced mounting turned about body z so that the held forward bends of its
    stretch point the way those of the calibration's stretch do.

    Gravity in an upright reference cannot see a slip's turn about the vertical (the smallest
    rotation leaves it out), but a bend held forward can: the same person holds a task bend the
    same way before and after the slip, so the change of its direction about body z is the
    slip's turn. Without it, lying on the side after the slip reads that turn as flexion
    (validation seed 1009: a 2.9° turn, 3.1° of flexion error for 30 s of side lying). Only
    stretches with held bends on both sides are turned; the rest keep the smallest rotation.

    A lift bottom leaned sideways reads like a turn (0.6 x its lean), and two leaned alike
    outvote a straight one (validation 14025: +13 deg leans set a -8.8 deg turn against a
    true +0.8; the supine lie after it read +7.2 deg). Where walks on both sides give a gait
    heading (``motion``: :func:`gait_dir`) and the chosen group is lift bottoms only, it decides
    instead among the stretch's groups of held bends and no turn: the one whose turn is
    nearest the gait's change of direction (:func:`_nearest_gait`; a walk sees the body's
    fore-aft axis, not a lean; its heading is too coarse, ~2 deg a walk, to set the turn).
    Without that heading, a stretch whose only held bend is one lift bottom leaned as lifts
    lean (:func:`_lone_leaned`) keeps the smallest rotation (validation 31029: one bottom
    leaned -12.4 deg set an 18.4-deg turn; the supine lie after it read +17.4 deg).
    """
    edges = [rr.index for rr in out] + [np.iinfo(np.int64).max]
    mats = [m0] + [rr.sensor_from_body for rr in out]
    if out and out[0].index == 0:  # the stretch before the first slip was re-referenced too
        edges, mats = edges[1:], mats[1:]
    starts = [0] + edges[:-1]
    own = next((k for k, mk in enumerate(mats) if np.allclose(mk, m0)), None)
    if own is None:
        return out
    # the still standing / sitting probes _held_bends reads, each stretch's listed once (it was
    # called ~60 times on the 8-h walking day, each scanning all the day's); walks are read
    # from probes
    held = [x for x in probes if x.kind in _HELD_KINDS]
    i0 = np.array([x.i0 for x in held], np.int64)
    part = [[held[j] for j in np.flatnonzero((i0 >= s) & (i0 < e))]
            for s, e in zip(starts, edges, strict=True)]
    ref = _bend_dirs(part[own], starts[own], edges[own], mats[own])
    if len(ref) == 0:
        return out
    g_own: list[float | None] = []  # the calibration stretch's walks, read when first needed
    res = list(out)
    shift = len(out) - (len(mats) - 1)  # out's index of stretch k is k - 1 + shift
    for k in range(len(mats)):  # per stretch (few)
        if k == own:
            continue
        # equally large groups that disagree: the one agreeing with the calibration stretch's,
        # else no turn (a slip's turn is small)
        d = _bend_dirs(part[k], starts[k], edges[k], mats[k], float(np.mean(ref)), tie_none=True)
        by_gait = False
        if motion is not None and _lift_bottoms(part[k], starts[k], edges[k], mats[k], d):
            if not g_own:
                g_own.append(_gait_dirs(probes, starts[own], edges[own], mats[own], motion))
            g = None if g_own[0] is None \
                else _gait_dirs(probes, starts[k], edges[k], mats[k], motion)
            if g is not None and g_own[0] is not None:
                d = _nearest_gait(part[k], starts[k], edges[k], mats[k], float(np.mean(ref)),
                                  g - g_own[0])
                by_gait = True
        if not by_gait and _lone_leaned(part[k], starts[k], edges[k], mats[k]):
            # one lift bottom alone, leaned as lifts are: nothing tells its lean from a turn
            continue
        if len(d) == 0:
            continue
        # body coordinates turned back about z by the change of the bends' direction
        turn = np.radians(float(np.mean(d) - np.mean(ref)))
        rz = Rotation.from_rotvec([0.0, 0.0, -turn]).as_matrix()
        j = k - 1 + shift
        rr = out[j]
        turned = mats[k] @ rz
        # the neighbour toward the calibration's stretch, as it stands now
        nb = k - 1 if k > own else k + 1
        m_nb = mats[nb] if nb == own else res[nb - 1 + shift].sensor_from_body
        if rotation_deg(m_nb.T @ turned) > P.SLIP_MAX_DEG:
            # a turn that would make the slip larger than any slip taken is not the slip's (one
            # lift bottom leaned 17° sideways turned validation seed 9019 by 28°)
            continue
        res[j] = ReReference(rr.t_s, rr.deg, rr.why, turned, rr.index, rr.index_end)
    return res


def reref_angles(time: np.ndarray, quat: np.ndarray, sensor_from_body: np.ndarray,
                 rerefs: list[ReReference], fs: float, valid: np.ndarray | None = None,
                 masked: np.ndarray | None = None) -> Angles:
    """:func:`~kyphos.processing.angles.trunk_angles` with each re-reference's mounting from its
    ``t_s`` on, in one pass (the filters see the pieces joined without a step, so the
    re-reference itself adds no velocity)."""
    return trunk_angles(time, quat, sensor_from_body, fs, valid, masked=masked,
                        mounts=[(rr.index, rr.sensor_from_body) for rr in rerefs],
                        blends=[rr.index_end for rr in rerefs])
