"""An independent body-model family for validating the analysis (issue 15, item 8).

``kyphos.sim`` (scenario.py, body.py, imu_error.py) was written alongside the detector and
shares its assumptions. This family was written separately and shares **no constant and no
code** with either: it imports nothing from ``kyphos.sim.*`` outside this package, nothing
from ``kyphos.processing`` or ``kyphos.metrics``, and its only contact with the rest of
kyphos is the output format (``kyphos.session.Session``, the CSV and ``.kyr`` formats).
What differs, on purpose:

* **Body** — pelvis/hip joint on a two-link leg (shank, thigh), a lumbar segment (hip → T12)
  and a thoracic segment (T12 → C7), each link 0.30–0.60 m and drawn per person; the sensor
  sits anywhere over T2–T8 with its own lever arm (skin + clip, 5–13 cm) and mounting; hip /
  knee / trunk coordination (hip share of trunk inclination, ankle per knee, knee lead or
  lag) varies between people (:mod:`.person`).
* **Motion** — septic smoothstep profiles (not minimum jerk); gait as a step-frequency
  oscillation of hip height, lateral sway, trunk pitch, yaw and roll under an envelope with a
  known number of heel strikes; stairs; sit-to-stand with a forward lean; lying supine or on
  the side; seated reaches; slouches (a thoracic collapse, seen more at high sensor levels);
  standing task bends held 15 s at 45–60°; stoop / semi-squat / squat lifts with upright-trunk
  squats (hips drop 0.30–0.50 m), 20–40° twist and 8–18° lateral lean; one clip slip of 8–12°
  per session; soft-tissue wobble as damped oscillations (7–14 Hz) after heel strikes, impacts
  and lift turns; postural sway and breathing (:mod:`.script`, :mod:`.motion`).
* **Physics** — acceleration by differentiating the evaluated sensor position (five-point
  stencil), angular rate by differentiating the evaluated orientation; local gravity drawn per
  session (9.780–9.832 m/s²) (:mod:`.generate`).
* **Sensor** — own error model anchored on the LSM6DSOX datasheet (:mod:`.imu`).
* **Truth** — from the kinematics: lift start/end where the speed of the sensor site (a point
  on the back) crosses 5 % of its peak in that lift (not an angular-velocity threshold); trunk
  flexion is the inclination of the trunk frame at the sensor site, zero in upright standing.

Use :func:`generate` (``seed``, ``fs``) → :class:`ValidationSession` (``to_session()``,
``write_csv()``, ``write_kyr()``, ``truth``). ``bench/validate_analysis.py`` scores the
analysis on it; docs/accuracy.md, "Independent validation family", has the definitions and
numbers.
"""

from kyphos.sim.validation.generate import (
    ValidationSession,
    ValidationTruth,
    axes_matrix,
    generate,
    reader_axes,
)
from kyphos.sim.validation.script import ACTIVITY_KINDS, STYLES

__all__ = ["ACTIVITY_KINDS", "STYLES", "ValidationSession", "ValidationTruth", "axes_matrix", "generate",
           "reader_axes"]
