"""Thresholds of the activity, episode and clip-slip stages, in one place.

Each value says where it comes from. "Physical" values follow from the body or from a cited
source. "Fitted" values come out of ``bench/fit_thresholds.py --fit-all`` on the simulator
family's day sessions (``kyphos.sim.scenario.random_day_session``, seeds 100-119, fs by seed;
``--check`` reproduces them) and are reported on the validation family (docs/accuracy.md
section 7); "fitted, flat" means every candidate scored the same there, so the fit kept the
middle candidate, the physical value. "Provisional" values are set from the physics of the
movement and not fitted (docs/scoring.md section 12). Units are in the names.
"""

from __future__ import annotations

#: Activity runs at about this rate (block averages of faster input), Hz: postures, steps
#: (≤ 3.5 Hz) and the sensor's height change slowly.
ACTIVITY_FS_HZ = 52.0

# --- still periods (zero-velocity anchors) -------------------------------------------------
#: Trunk angular rate below this is still, °/s (the calibration's quiet rule uses 6 °/s).
STILL_GYR_DPS = 6.0
#: |acc| (low-passed at 2 Hz) within this of its slow level is still, m/s². Fitted, flat
#: from 0.1 to 0.2 (0.3 labels less time right).
STILL_ACC = 0.15
#: The slow level of |acc|: low-pass cut-off, Hz.
STILL_BASELINE_HZ = 0.1
#: Shortest still period used as a zero-velocity anchor, s. Fitted, flat from 0.15 to 0.4.
STILL_MIN_S = 0.25
#: The height track's zero-velocity window after a movement starts where the raw vertical
#: acceleration has settled: every row of the window within this of the window's mean, m/s²
#: (the first such window in the still run; none: the run's start, as before). The 2-Hz still
#: test calls a landing still while the skin still rings (10.8 Hz in the validation body, rows of
#: −3 m/s²); a window ending inside the ring took the ring's velocity (−0.05 m/s) for zero. The
#: still rows before the settled window carry its level (a ring sampled 5 times a cycle does not
#: integrate to its zero net velocity). Not fitted: a ring within this bound at ≥ 5 Hz moves
#: ≤ 0.15 / (2π·5) ≈ 5 mm/s (the still test's own bound, STILL_ACC's value, on the raw rows).
STILL_END_SETTLE_ACC = 0.15

# --- steps and walking --------------------------------------------------------------------
#: Peak of the 0.5–3.5 Hz vertical acceleration that counts as a step, m/s². Fitted, flat from
#: 0.4 to 1.0: the trunk's vertical bob while walking is 2–5 cm at 1.5–2 steps/s (Zijlstra &
#: Hof 2003), i.e. 1.8–7.9 m/s² peak; slow walking is lower.
STEP_MIN_ACC = 0.6
#: Interval between steps, s: 0.3–1.0 s is 60–200 steps/min.
STEP_INTERVAL_S = (0.3, 1.0)
#: Ratio of neighbouring step intervals in a regular train. Provisional (a pair: not swept).
STEP_REGULARITY = (0.7, 1.43)
#: A step is counted at each low point of the trunk's bounce (the mean of the rise before and
#: after it) at least this fraction as deep as the walk's median bounce. Fitted (0.4 and 0.6
#: count worse); the simulator family also counts a step where its gait is at least half its
#: full amplitude, so this fit is not independent of that definition.
STEP_DEPTH_FRACTION = 0.5
#: Fewest steps in a row that make a walk. Fitted, flat from 4 to 8 (a lift's vertical
#: acceleration rings for up to 4 band-passed peaks at step-like intervals, so 4 is risky).
WALK_MIN_STEPS = 6
#: Each step's peak within this factor of the train's median peak. Fitted, flat from 2 to 4.
STEP_AMPLITUDE_RATIO = 2.5
#: Steps are taken upright: trunk tilt at a step below this, °. Fitted, flat from 25 to 45
#: (walking lean is up to ~20°, a lift's bend is deeper).
STEP_MAX_TILT_DEG = 35.0

# --- sit / stand / lying ------------------------------------------------------------------
#: Net height change of a movement that makes it a sit/stand transition, m. Physical: the hip
#: drops 0.35–0.5 m from standing to a chair (seat height ≈ knee height, 0.40–0.50 m, and the
#: sensor follows the hip); a lift or a step ends where it started. The lower end of that
#: range less a margin for the integration's error. Fitted, flat from 0.25 to 0.35 (0.2 labels
#: less time right).
TRANSITION_RISE_M = 0.3
#: Longest movement (between still periods) taken as one transition, s (a sit-to-stand takes
#: 1–3 s; slow ones up to ~5 s). Longer movements integrate too much drift.
TRANSITION_MAX_S = 5.0
#: Lying: the trunk's long axis at least this far from vertical, °, for at least LYING_MIN_S
#: (s; fitted, flat from 10 to 20 s, 25 and 30 s label less time right; 20 s before the fit).
LYING_TILT_DEG = 60.0
LYING_MIN_S = 15.0
#: A lowering of the sensor that comes back to its starting height (within
#: TRANSITION_RISE_M) within this time is one excursion (a lift, a squat), not two
#: transitions, s. The lift detector's longest lift (metrics.lifts.MAX_DURATION_S).
EXCURSION_MAX_S = 10.0
#: ... or that comes back within this fraction of the depth it reached (the double integral
#: drifts by a few cm over a long lift held at the bottom).
EXCURSION_RETURN = 0.5
#: Smallest drop of the sensor that makes an excursion, m. Fitted, flat from 0.04 to 0.1 (lift
#: F1): a stoop to 30° lowers a sensor 0.45 m above the hip by 0.06 m.
EXCURSION_MIN_DROP_M = 0.06

# --- clip slip ----------------------------------------------------------------------------
#: Shortest walk or still standing/sitting period used as a reference posture, s. Provisional.
REF_MIN_S = 3.0
#: Shortest still posture used to place a slip between two references, s.
PROBE_MIN_S = 0.5
#: A reference posture this far from its baseline may be a slip, °: above the scatter of
#: quiet-standing and walking posture within a person (a few degrees) and below the 8–12°
#: slips the issue names. Fitted, flat from 3 to 7 (pooled flexion RMSE).
SLIP_MIN_DEG = 5.0
#: A still posture further than this from its baseline is a held bend or lean, not a
#: reference, °. Fitted, flat from 20 to 30 (slips of up to ~20°; task bends are deeper).
SLIP_MAX_DEG = 25.0
#: The next reference posture must be brought back by the same correction within this, °.
#: Fitted: 4 and 5 give 0.0001° less pooled flexion RMSE than 2 and 3 (3 before the fit; the
#: development seeds give the same with 3 and 4).
SLIP_AGREE_DEG = 4.0
