"""VQF offline in chunks (bounded memory, issue 17 item 3) gives the trunk angles of one run
over the whole recording: each chunk runs over an overlap on both sides that is thrown away,
and is turned to the previous chunk's heading where both runs overlap."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.angles import trunk_angles
from kyphos.processing.orientation import orientation_chunked, orientation_offline
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
