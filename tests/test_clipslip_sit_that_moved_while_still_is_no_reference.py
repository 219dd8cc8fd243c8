"""A still posture whose two ends disagree by more than a slip's smallest tilt (a slouch setting
in slowly inside one "still" sit) is a probe, not a reference: its mean is no one posture, and
taken as one it showed a slip 96 s before the real one (development seed 3020). Offline
(``analysis.find_rerefs``) and live (``LiveClipSlip.add``) use the same test."""

from __future__ import annotations

import numpy as np
from kyphos.processing import params as P
from kyphos.processing.clipslip import RefPosture, is_reference
from scipy.spatial.transform import Rotation


def _sit(drift_deg: float, dur_s: float = 20.0, kind: str = "sitting") -> RefPosture:
    up0 = np.array([0.0, 0.0, 1.0])
    up1 = Rotation.from_euler("y", drift_deg, degrees=True).apply(up0)
    mean = (up0 + up1) / np.linalg.norm(up0 + up1)
    return RefPosture(10.0, 10.0 + dur_s, kind, mean, 0, 0, up_first=up0, up_last=up1)


def test_a_sit_that_slouched_while_still_only_places_slips() -> None:
    assert is_reference(_sit(0.5 * P.SLIP_MIN_DEG), 104.0)
    assert not is_reference(_sit(13.0), 104.0)  # 3020's sit: its ends 13 deg apart
    assert not is_reference(_sit(1.5 * P.SLIP_MIN_DEG, kind="standing"), 104.0)


def test_short_postures_are_probes_and_walks_are_references() -> None:
    assert not is_reference(_sit(0.0, dur_s=P.REF_MIN_S - 0.1), 104.0)
    walk = _sit(13.0, kind="walking")  # a walk's ends are the halves around its split
    assert is_reference(walk, 104.0)
    no_ends = RefPosture(0.0, 10.0, "sitting", np.array([0.0, 0.0, 1.0]))
    assert is_reference(no_ends, 104.0)


def test_the_live_path_uses_the_same_test() -> None:
    from kyphos.processing.causal import LiveClipSlip

    live = LiveClipSlip(104.0)
    live.add(_sit(13.0), np.eye(3), 30.0)
    live.add(_sit(0.0), np.eye(3), 60.0)
    assert len(live._probes) == 2 and len(live._refs) == 1
