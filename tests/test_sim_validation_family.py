"""The independent validation family (kyphos.sim.validation): its physics is self-consistent,
its truth follows from its kinematics, it is reproducible, and its exports read back."""

from __future__ import annotations

import json

import numpy as np
import pytest
from kyphos.sim.validation import axes_matrix, generate, reader_axes
from kyphos.sim.validation.generate import evaluate, mount_rotation
from scipy.signal import find_peaks
from scipy.spatial.transform import Rotation

FS = 208.0


@pytest.fixture(scope="module")
def short():
    return generate(5, FS, blocks=("lifts", "walk", "stairs", "sit"))


def test_integrated_gyro_follows_the_evaluated_orientation(short) -> None:
    """Integrating the error-free angular rate from the first orientation reproduces the
    sensor orientation the body model evaluates (wobble and the clip slip included)."""
    v = short
    r_true = evaluate(v.script, v.time).r_sensor
    steps = Rotation.from_rotvec(0.5 * (v.gyr_true[1:] + v.gyr_true[:-1]) / FS)
    q = r_true[0]
    worst = 0.0
    for k in range(len(steps)):  # small session: a plain loop is fast enough here
        q = q * steps[k]
        if k % 50 == 0:
            worst = max(worst, float(np.degrees((r_true[k + 1].inv() * q).magnitude())))
    assert worst < 0.5, worst


def test_specific_force_at_rest_is_gravity_in_the_sensor_frame(short) -> None:
    v = short
    t0, t1 = v.truth.calibration["upright"]
    k = (v.time > t0) & (v.time < t1)
    g = v.truth.person["gravity_m_s2"]
    r = evaluate(v.script, v.time[k]).r_sensor
    expect = r.inv().apply([0.0, 0.0, g])
    err = np.abs(v.acc_true[k] - expect).max()
    assert err < 0.1, err  # only postural sway accelerates the sensor here
    assert abs(np.linalg.norm(v.acc_true[k], axis=1).mean() - g) < 0.02
    # and the sensor frame is the protocol's: x towards the head, z out of the back
    assert v.acc_true[k][:, 0].mean() > 0.75 * g


def test_truth_flexion_is_the_trunk_frame_as_a_calibrated_sensor_sees_it(short) -> None:
    """Before the clip slip, the sensor orientation times the inverse mount is the trunk
    frame whose Z-Y-X angles are the truth (up to soft-tissue wobble)."""
    v = short
    k = v.time < v.truth.clip_slips[0].t - 1.0
    body = evaluate(v.script, v.time[k]).r_sensor * mount_rotation(v.script.person).inv()
    _yaw, flex, _lat = body.as_euler("ZYX").T
    assert np.degrees(np.abs(flex - v.truth.flexion[k])).max() < 2.0
    assert np.degrees(np.sqrt(np.mean((flex - v.truth.flexion[k]) ** 2))) < 0.3


def test_level_walks_have_one_bounce_minimum_per_scripted_step(short) -> None:
    v = short
    level = [w for w in v.script.walks if w.stairs == 0]
    assert level and sum(w.n_steps for w in v.script.walks) == len(v.truth.steps)
    for w in level:
        tt = np.arange(w.t0, w.t1, 1e-3)
        z = evaluate(v.script, tt, clean=True).p_site[:, 2]
        mins, _ = find_peaks(-z, prominence=0.003)
        assert len(mins) == w.n_steps
        assert np.abs(tt[mins] - w.steps_s).max() < 0.1


def test_lift_truth_comes_from_the_kinematics(short) -> None:
    v = short
    assert v.truth.lifts
    for lf in v.truth.lifts:
        assert lf.onset <= lf.start < lf.end <= lf.offset
        tt = np.arange(lf.onset - 0.3, lf.offset + 0.3, 1e-3)
        z = evaluate(v.script, tt, clean=True).p_site[:, 2]
        lo = tt[np.argmin(z)]
        assert lf.start < lo < lf.end
        assert abs(z[0] - np.interp(lf.start, tt, z)) < 0.01  # the movement has only just begun
        assert abs(z[-1] - np.interp(lf.end, tt, z)) < 0.01
        if lf.style == "squat":
            assert 0.30 <= lf.hip_drop_m <= 0.50 and lf.knee_deg > 80
        if lf.style == "stoop":
            assert lf.knee_deg <= 20
        if lf.upright_squat:
            assert lf.trunk_deg <= 22


def test_seeds_are_reproducible_and_rates_share_the_script() -> None:
    a = generate(11, 52.0, blocks=("lifts",))
    b = generate(11, 52.0, blocks=("lifts",))
    c = generate(11, 104.0, blocks=("lifts",))
    d = generate(12, 52.0, blocks=("lifts",))
    assert np.array_equal(a.acc_counts, b.acc_counts) and np.array_equal(a.gyr_counts, b.gyr_counts)
    assert json.dumps(a.truth.to_dict()) == json.dumps(c.truth.to_dict())
    assert a.truth.person != d.truth.person


@pytest.mark.parametrize("axes", ["-x,-y,z", "-z,y,x"])
def test_csv_in_foreign_axes_and_units_reads_back(tmp_path, short, axes) -> None:
    """Written in another IMU's axes and units, read with the flags that describe them, the
    samples are the kyphos-frame ones (the reader's axes flag when it has one, else Mᵀ)."""
    import inspect

    from kyphos.recording.csv import load_csv

    v = short
    p = v.write_csv(tmp_path / "other.csv", axes=axes, acc_unit="g", gyr_unit="deg/s",
                    time_unit="ms")
    with pytest.raises(FileExistsError):
        v.write_csv(p)
    kw = {"acc_unit": "g", "gyr_unit": "deg/s", "time_unit": "ms"}
    if "axes" in inspect.signature(load_csv).parameters:
        s = load_csv(p, axes=reader_axes(axes), **kw)
        acc, gyr = s.acc, s.gyr
    else:  # file = M · kyphos, so kyphos = Mᵀ · file
        s = load_csv(p, **kw)
        m = axes_matrix(axes)
        acc, gyr = s.acc @ m, s.gyr @ m
    assert np.allclose(s.time, v.time, atol=1e-6)
    assert np.allclose(acc, v.acc, rtol=0, atol=2e-6 * 9.81 * 16)
    assert np.allclose(gyr, v.gyr, rtol=0, atol=1e-5)


def test_axes_specs() -> None:
    assert np.array_equal(axes_matrix("z,y,-x") @ np.array([1.0, 2.0, 3.0]), [3.0, 2.0, -1.0])
    assert reader_axes("-x,-y,z") == "-x,-y,z"
    assert reader_axes("z,y,-x") == "-z,y,x"
    with pytest.raises(ValueError):
        axes_matrix("x,x,z")


def test_kyr_reads_back_with_its_calibration_note(tmp_path, short) -> None:
    import kyphos

    v = short
    p = v.write_kyr(tmp_path / "v.kyr")
    with pytest.raises(FileExistsError):
        v.write_kyr(p)
    s = kyphos.load(p)
    assert s.n_samples == len(v.time)
    assert np.allclose(s.acc, v.acc, atol=1e-4) and np.allclose(s.gyr, v.gyr, atol=1e-6)
    assert np.allclose(s.time, v.time, atol=1e-5)
    notes = [n for _t, n in s.notes if n.get("kind") == "calibration"]
    assert notes and notes[0]["upright"] == v.calibration_note()["upright"]


def test_command_writes_truth_and_keeps_existing_files(tmp_path, capsys) -> None:
    from kyphos.sim.validation.__main__ import main

    out = tmp_path / "t.json"
    assert main(["7", "--fs", "52", "--truth", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["lifts"] and doc["steps"] > 0 and doc["clip_slips"]
    out.write_text("mine")
    assert main(["7", "--fs", "52", "--truth", str(out)]) == 1
    assert out.read_text() == "mine"
    assert "exists" in capsys.readouterr().err


def test_family_imports_nothing_from_the_detector_or_the_old_simulator() -> None:
    """Independence is by construction: no module of the family imports the analysis stages
    or the simulator written alongside them (so it cannot share their constants)."""
    import ast
    from pathlib import Path

    import kyphos.sim.validation as fam

    allowed = ("kyphos.sim.validation", "kyphos.session", "kyphos.protocol", "kyphos.recording")
    for path in Path(fam.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for n in names:
                if n.startswith("kyphos"):
                    assert n.startswith(allowed), f"{path.name} imports {n}"
