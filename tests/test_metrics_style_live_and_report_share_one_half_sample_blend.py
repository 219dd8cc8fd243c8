"""The half-sample blend of the orientation (the closed-bend rows' rotation, STYLE7 / STYLE7L) is
one function, ``style.blend_previous``, read by the report (``style.aligned_earth_acc``) and by
the live view (``LiveState._aligned_earth_acc``): the normalised mean of a row's quaternion and
the previous row's, in the row's hemisphere, the row's own where the previous is not finite."""

import numpy as np


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def test_blend_previous_is_the_normalised_half_way_quaternion() -> None:
    from kyphos.metrics.style import blend_previous

    rng = np.random.default_rng(3)
    q = _unit(rng.normal(size=(6, 4)))
    qp = _unit(q + 0.1 * rng.normal(size=(6, 4)))
    qp[2] *= -1.0  # the same rotation from the other hemisphere
    qp[4] = np.nan  # no previous row: the row's own
    kept = qp.copy()
    out = blend_previous(q, qp, 0.5)
    want = _unit(q + np.where(np.sum(q * qp, axis=1, keepdims=True) < 0, -qp, qp))
    want[4] = q[4]
    np.testing.assert_allclose(out, want, atol=1e-15)
    np.testing.assert_array_equal(np.isnan(qp), np.isnan(kept))  # the input is not changed
    np.testing.assert_array_equal(qp[~np.isnan(qp)], kept[~np.isnan(kept)])


def test_report_and_live_rows_read_the_shared_blend() -> None:
    """The report's aligned rows are the rotation by ``blend_previous`` of each row with the
    previous one, and the live view calls the same function (no copy of the nlerp left)."""
    import inspect

    from kyphos.metrics import style
    from kyphos.metrics.lifts import earth_free_acceleration
    from kyphos.views import live_state

    rng = np.random.default_rng(5)
    quat = _unit(rng.normal(size=(9, 4)))
    acc = rng.normal(size=(9, 3)) + [0.0, 0.0, 9.81]
    rows = np.array([0, 3, 4, 8])
    prev = quat[np.maximum(rows - 1, 0)]
    want = earth_free_acceleration(style.blend_previous(quat[rows], prev), acc[rows])
    np.testing.assert_array_equal(style.aligned_earth_acc(quat, acc, rows), want)
    src = inspect.getsource(live_state.LiveState._aligned_earth_acc)
    assert "blend_previous(" in src and "np.linalg.norm" not in src
