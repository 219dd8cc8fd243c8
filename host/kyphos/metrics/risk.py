"""A kinematic low-back risk index in the spirit of the Marras Lumbar Motion Monitor model.

Marras et al. (Spine 18:617, 1993; Ergonomics 38:377, 1995; validated prospectively in
Ergonomics 43:1866, 2000) assign a job the probability of belonging to a high-risk group from
five variables: lift rate, average twisting velocity, maximum load moment, maximum sagittal
flexion and maximum lateral velocity; the risk value averages the five variables' probabilities.

What kyphos computes is NOT that validated probability:

* the LMM measured lumbar motion (thorax relative to pelvis); one upper-back IMU measures
  thoracic inclination relative to gravity, hip flexion included;
* the load moment cannot be measured by one IMU; it enters only if the user gives a load (kg)
  and a horizontal distance (m), as load·g·distance;
* each variable is mapped linearly from 0 at ``low`` to 1 at ``high`` (kyphos reference values
  below, chosen to span typical job values, not the published probability curves), and the index
  is the mean of the available terms.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kyphos.metrics.lifts import Lift

#: (low, high) reference values of each term: value at which the term is 0 and 1.
REFERENCE = {
    "lift_rate_per_h": (0.0, 360.0),
    "max_sagittal_flexion_deg": (0.0, 90.0),
    "max_lateral_velocity_dps": (0.0, 100.0),
    "avg_twisting_velocity_dps": (0.0, 30.0),
    "max_moment_nm": (0.0, 150.0),
}


@dataclass
class Risk:
    lift_rate_per_h: float
    max_sagittal_flexion_deg: float
    max_lateral_velocity_dps: float
    avg_twisting_velocity_dps: float
    max_moment_nm: float | None
    terms: dict[str, float]
    index: float | None  # None below the validity bar (processing.plausibility.gate_analysis)
    note: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}


def _term(name: str, value: float) -> float:
    lo, hi = REFERENCE[name]
    return float(np.clip((value - lo) / (hi - lo), 0.0, 1.0))


def kinematic_risk(
    lifts: list[Lift],
    lateral_velocity: np.ndarray,
    axial_velocity: np.ndarray,
    lift_mask: np.ndarray,
    duration_s: float,
    *,
    load_kg: float | None = None,
    distance_m: float | None = None,
) -> Risk:
    """Risk index 0–1 from lifts and per-sample velocities (rad/s) inside lifts (``lift_mask``).

    Velocities are the time derivatives of the low-passed angles (docs/scoring.md). Maximum
    sagittal flexion is the largest lift peak; maximum lateral velocity the largest |lateral
    velocity| during lifts; average twisting velocity the mean |axial velocity| during lifts.
    """
    rate = 3600.0 * len(lifts) / duration_s if duration_s > 0 else 0.0
    flex = max((lf.peak_flexion_deg for lf in lifts), default=0.0)
    lat_v = np.degrees(np.abs(lateral_velocity[lift_mask]))
    ax_v = np.degrees(np.abs(axial_velocity[lift_mask]))
    lat_max = float(np.nanmax(lat_v)) if np.any(np.isfinite(lat_v)) else 0.0
    tw_avg = float(np.nanmean(ax_v)) if np.any(np.isfinite(ax_v)) else 0.0
    moment = None
    if load_kg is not None and distance_m is not None:
        moment = float(load_kg) * 9.81 * float(distance_m)
    terms = {
        "lift_rate_per_h": _term("lift_rate_per_h", rate),
        "max_sagittal_flexion_deg": _term("max_sagittal_flexion_deg", flex),
        "max_lateral_velocity_dps": _term("max_lateral_velocity_dps", lat_max),
        "avg_twisting_velocity_dps": _term("avg_twisting_velocity_dps", tw_avg),
    }
    if moment is not None:
        terms["max_moment_nm"] = _term("max_moment_nm", moment)
    note = (
        "kinematic index after the Marras LMM variables; not the validated LMM probability. "
        + ("Load moment from the given load and distance."
           if moment is not None else "Load moment not measured (one IMU cannot); 4 of 5 terms.")
    )
    return Risk(
        lift_rate_per_h=rate,
        max_sagittal_flexion_deg=flex,
        max_lateral_velocity_dps=lat_max,
        avg_twisting_velocity_dps=tw_avg,
        max_moment_nm=moment,
        terms={k: round(v, 3) for k, v in terms.items()},
        index=round(float(np.mean(list(terms.values()))), 3),
        note=note,
    )
