"""VQF offline in chunks (bounded memory, issue 17 item 3) gives the trunk angles of one run
over the whole recording: each chunk runs over an overlap on both sides that is thrown away,
and is turned to the previous chunk's heading where both runs overlap."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.angles import trunk_angles
from kyphos.processing.orientation import (
    _rotate_earth,
    orientation_chunked,
    orientation_offline,
    orientation_segments,
)
from kyphos.sim.scenario import load_scenario, simulate


@pytest.fixture(scope="module")
def warehouse() -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    res = simulate(load_scenario("warehouse"), seed=1)  # 7.2 min at 104 Hz, chip errors on
    return np.asarray(res.gyr, float), np.asarray(res.acc, float), float(res.fs), \
        np.asarray(res.truth.sensor_from_body, float)


def test_chunks_with_overlap_give_the_whole_recording_angles(warehouse: tuple) -> None:
    gyr, acc, fs, cal = warehouse
    t = np.arange(len(gyr)) / fs
    whole = trunk_angles(t, orientation_offline(gyr, acc, fs), cal, fs)
    # 60 s chunks: 8 runs, 7 boundaries inside lifting and walking
    ang = trunk_angles(t, orientation_chunked(gyr, acc, fs, chunk_s=60, overlap_s=120), cal, fs)
    d = np.degrees(ang.flexion - whole.flexion)
    assert np.sqrt(np.mean(d**2)) < 0.05 and np.max(np.abs(d)) < 0.05
    assert np.sqrt(np.mean(np.degrees(ang.lateral - whole.lateral) ** 2)) < 0.05
    # headings matched at the boundaries: the axial angle has no jumps there
    assert np.sqrt(np.mean(np.degrees(ang.axial - whole.axial) ** 2)) < 0.5
    assert np.max(np.abs(np.degrees(ang.axial_velocity - whole.axial_velocity))) < 5.0


def test_without_the_heading_match_the_axial_angle_would_jump(warehouse: tuple) -> None:
    # The check above can fail: fresh VQF runs start at their own heading.
    gyr, acc, fs, cal = warehouse
    n, chunk = len(gyr), int(60 * fs)
    q = np.vstack([orientation_offline(gyr[c0:c0 + chunk], acc[c0:c0 + chunk], fs)
                   for c0 in range(0, n, chunk)])
    t = np.arange(n) / fs
    whole = trunk_angles(t, orientation_offline(gyr, acc, fs), cal, fs)
    raw = trunk_angles(t, q, cal, fs)
    assert np.max(np.abs(np.degrees(raw.axial_velocity - whole.axial_velocity))) > 5.0


def test_short_data_is_one_run(warehouse: tuple) -> None:
    gyr, acc, fs, _ = warehouse
    g, a = gyr[: int(100 * fs)], acc[: int(100 * fs)]
    assert np.array_equal(orientation_chunked(g, a, fs, chunk_s=60, overlap_s=30),
                          orientation_offline(g, a, fs))


def test_segments_write_each_chunked_run_in_place_and_nan_between(warehouse: tuple) -> None:
    # orientation_segments hands each segment's rows to orientation_chunked as its output
    # (no full-length copy): the same quaternions as separate runs, NaN on the separator row
    # and on a lone sample
    gyr, acc, fs, _ = warehouse
    g, a = gyr[: int(300 * fs)], acc[: int(300 * fs)]
    segs = np.array([[0, 9000], [9001, 9002], [9003, len(g)]])
    q = orientation_segments(g, a, fs, segs)
    first = orientation_chunked(g[:9000], a[:9000], fs)
    assert np.array_equal(q[:9000], first)
    assert np.isnan(q[9000:9003]).all()
    assert np.array_equal(q[9003:], orientation_chunked(g[9003:], a[9003:], fs))
    buf = np.full((9000, 4), 7.0)  # a long run (2 chunks) into a given array: the same values
    got = orientation_chunked(g[:9000], a[:9000], fs, chunk_s=40, overlap_s=20, out=buf)
    assert got is buf and np.array_equal(buf, orientation_chunked(g[:9000], a[:9000], fs,
                                                                   chunk_s=40, overlap_s=20))


def test_heading_turn_equals_the_full_hamilton_product() -> None:
    rng = np.random.default_rng(5)
    q = rng.normal(size=(500, 4))
    q /= np.linalg.norm(q, axis=1)[:, None]

    def product(r: np.ndarray, q: np.ndarray) -> np.ndarray:  # every term, as before
        w1, x1, y1, z1 = r
        w2, x2, y2, z2 = q.T
        return np.column_stack([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
                                w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                                w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
                                w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])

    d = 0.7
    turn = np.array([np.cos(d / 2), 0.0, 0.0, np.sin(d / 2)])  # the shortcut's case
    assert np.array_equal(_rotate_earth(turn, q), product(turn, q))
    tilt = np.array([0.9, 0.1, -0.2, 0.3]) / np.linalg.norm([0.9, 0.1, -0.2, 0.3])
    assert np.array_equal(_rotate_earth(tilt, q), product(tilt, q))
