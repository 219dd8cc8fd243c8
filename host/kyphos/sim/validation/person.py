"""One simulated person of the validation family: body dimensions, sensor placement, the way
they coordinate hips, knees and trunk, and their gait — all drawn from one random generator.

Ranges are own assumptions about adults, chosen without reference to the detector or to
``kyphos.sim`` (see the package docstring); every link length lies in 0.30–0.60 m.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

#: Thoracic levels the clip may sit over, T2 … T8, as a fraction of the T12 → C7 segment
#: length measured from T12 (vertebral heights taken as equal: T2 = 10/11, T8 = 4/11).
LEVEL_FRACTION = {f"T{k}": (12 - k) / 11 for k in range(2, 9)}


@dataclass(frozen=True)
class Person:
    """Angles in rad, lengths in m, times in s."""

    shank_m: float
    thigh_m: float
    lumbar_m: float  # hip joint centre → T12
    thoracic_m: float  # T12 → C7
    foot_m: float  # ankle height above the floor
    level: str  # thoracic level under the sensor
    level_frac: float
    depth_m: float  # sensor in front of/behind the spine line: the skin + clip lever arm
    mount_pitch: float
    mount_yaw: float
    mount_roll: float
    slouch_share: float  # share of a thoracic collapse seen at the sensor's level
    hip_share_stoop: float  # share of trunk inclination taken by the hips (rest: spine)
    ankle_per_knee: float  # ankle dorsiflexion per unit knee flexion in a squat
    knee_lead_s: float  # knees start before (+) or after (−) the trunk in a lift
    seat_m: float
    seat_back_m: float  # hip behind its standing place when seated
    sit_lean: float  # trunk inclination when sitting upright
    step_m: float
    cadence_hz: float
    bounce_m: float
    wobble_f0_hz: float
    wobble_zeta: float
    wobble_m: float
    wobble_rad: float
    gravity_m_s2: float  # local gravity (latitude 0–90°: 9.780–9.832 m/s²)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def draw_person(rng: np.random.Generator) -> Person:
    u = rng.uniform
    level = f"T{int(rng.integers(2, 9))}"
    frac = LEVEL_FRACTION[level]
    # the upper thoracic back faces further up: a clip high on the back pitches back more
    pitch = -np.radians(u(2.0, 10.0) + 28.0 * (frac - 4 / 11) + u(-4.0, 4.0))
    return Person(
        shank_m=u(0.36, 0.52), thigh_m=u(0.38, 0.56), lumbar_m=u(0.30, 0.42),
        thoracic_m=u(0.32, 0.46), foot_m=u(0.06, 0.10), level=level, level_frac=frac,
        depth_m=u(0.05, 0.13), mount_pitch=pitch, mount_yaw=np.radians(u(-20, 20)),
        mount_roll=np.radians(u(-12, 12)), slouch_share=0.55 + 0.45 * (frac - 4 / 11) / (6 / 11),
        hip_share_stoop=u(0.5, 0.8), ankle_per_knee=u(0.22, 0.42),
        knee_lead_s=u(-0.15, 0.2), seat_m=u(0.40, 0.52), seat_back_m=u(0.30, 0.45),
        sit_lean=np.radians(u(-8.0, 6.0)), step_m=u(0.55, 0.80), cadence_hz=u(1.55, 2.05),
        bounce_m=u(0.015, 0.04), wobble_f0_hz=u(7.0, 14.0), wobble_zeta=u(0.12, 0.35),
        wobble_m=u(0.0005, 0.002), wobble_rad=np.radians(u(0.2, 0.9)),
        gravity_m_s2=u(9.780, 9.832),
    )
