"""A live clip-slip re-reference changes the live angles' mounting between chunks
(``CausalAngles.remount``, called by ``CausalProcessor.set_turn``): the angles jump to what the
new mounting reads, and the filters' carried state moves with them, so the jump reads as no
velocity (through the 5 Hz filter a 10° step would be a spike of ~100°/s, which the lift
detector takes for a bend's onset)."""

import numpy as np
from kyphos.processing.angles import CausalAngles, euler_from_quat
from scipy.spatial.transform import Rotation

FS = 104.0


def _still(q: np.ndarray, n: int, t0: float) -> tuple[np.ndarray, np.ndarray]:
    return t0 + np.arange(n) / FS, np.tile(q, (n, 1))


def test_remount_moves_the_angles_without_a_velocity() -> None:
    m_old = np.eye(3)
    m_new = Rotation.from_euler("y", 10.0, degrees=True).as_matrix()  # a 10° slip
    q = Rotation.from_euler("xyz", [3.0, 25.0, 40.0], degrees=True).as_quat(scalar_first=True)
    ca = CausalAngles(m_old, FS)
    ca(*_still(q, 300, 0.0))
    ca.remount(m_new, q)
    a = ca(*_still(q, 50, 300 / FS))
    f_new, l_new, _ = euler_from_quat(q[None, :], m_new)
    assert np.allclose(a.flexion, f_new[0]) and np.allclose(a.lateral, l_new[0])
    assert np.max(np.abs(a.flexion_velocity)) < np.radians(0.01)
    assert np.max(np.abs(a.lateral_velocity)) < np.radians(0.01)
    assert np.max(np.abs(a.axial_velocity)) < np.radians(0.01)
    assert np.allclose(ca.m, m_new)


def test_without_the_state_moved_the_jump_is_a_velocity_spike() -> None:
    """What the state move prevents (the test above would fail without it)."""
    m_new = Rotation.from_euler("y", 10.0, degrees=True).as_matrix()
    q = Rotation.from_euler("xyz", [3.0, 25.0, 40.0], degrees=True).as_quat(scalar_first=True)
    ca = CausalAngles(np.eye(3), FS)
    ca(*_still(q, 300, 0.0))
    ca.m = m_new
    a = ca(*_still(q, 50, 300 / FS))
    assert np.max(np.abs(np.degrees(a.flexion_velocity))) > 20.0
