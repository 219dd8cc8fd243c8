"""The sim family's day session (``random_day_session``): clip slips in the body model, lying,
heel-strike truth, and the day's content (the family thresholds are fitted on)."""

import numpy as np
from kyphos.sim.scenario import random_day_session, simulate, validate
from scipy.spatial.transform import Rotation


def _slip_scenario(chip: str = "ideal") -> dict:
    return validate({
        "sensor": {"chip": chip, "fs_hz": 208},
        "segments": [{"kind": "stand", "duration_s": 4},
                     {"kind": "lift", "style": "stoop", "flexion_deg": 60},
                     {"kind": "stand", "duration_s": 3},
                     {"kind": "walk", "duration_s": 4}, {"kind": "stand", "duration_s": 2}],
        "clip_slips": [{"at_s": 5.0, "duration_s": 0.6, "pitch_deg": 10.0, "yaw_deg": 2.0,
                        "roll_deg": -3.0}],
    })


def test_gyroscope_integrates_through_a_clip_slip():
    r = simulate(_slip_scenario(), seed=0)
    tr = r.truth
    q = Rotation.from_quat(tr.sensor_quat, scalar_first=True)
    steps = Rotation.from_rotvec(0.5 * (tr.gyr[1:] + tr.gyr[:-1]) / r.fs)
    est = q[0]
    worst = 0.0
    for i in range(len(steps)):
        est = est * steps[i]
        if i % 50 == 0:
            worst = max(worst, (est.inv() * q[i + 1]).magnitude())
    assert np.degrees(worst) < 0.2
    # the slip turned the sensor by its angle relative to the trunk, and the trunk truth did not
    body = Rotation.from_quat(tr.body_quat, scalar_first=True)
    rel = (body.inv() * q)
    turned = (rel[0].inv() * rel[-1]).magnitude()
    assert abs(np.degrees(turned) - np.sqrt(10**2 + 2**2 + 3**2)) < 0.05
    assert tr.clip_slips[0].start == 5.0 and abs(tr.clip_slips[0].deg - 10.63) < 0.01
    assert abs(np.degrees(tr.flexion[-1])) < 2.0  # standing upright again: no slip in the truth


def test_specific_force_through_a_clip_slip_is_gravity_in_the_turned_frame():
    r = simulate(_slip_scenario(), seed=0)
    tr = r.truth
    q = Rotation.from_quat(tr.sensor_quat[-1], scalar_first=True)
    g_sensor = q.inv().apply([0.0, 0.0, 9.80665])
    assert np.allclose(tr.acc[-1], g_sensor, atol=0.05)  # still at the end


def test_lying_reclines_the_trunk_and_is_labelled():
    scn = validate({"sensor": {"chip": "ideal", "fs_hz": 52},
                    "segments": [{"kind": "stand", "duration_s": 3},
                                 {"kind": "lie", "duration_s": 10, "recline_deg": 85}]})
    r = simulate(scn, seed=1)
    tr = r.truth
    kinds = [s.kind for s in tr.segments]
    # standing → sitting (inserted, 2 s) → lying, with a transition into each
    assert kinds == ["stand", "transition", "sit", "transition", "lie"]
    lie = tr.segments[-1]
    k = (r.time > lie.start + 2) & (r.time < lie.end - 1)
    assert np.all(np.abs(np.degrees(tr.flexion[k]) + 85.0) < 3.0)


def test_steps_are_the_full_bounces_of_each_walk():
    scn = validate({"sensor": {"chip": "ideal", "fs_hz": 104},
                    "segments": [{"kind": "stand", "duration_s": 2},
                                 {"kind": "walk", "duration_s": 10, "cadence_spm": 100},
                                 {"kind": "stand", "duration_s": 2}]})
    r = simulate(scn, seed=3)
    tr = r.truth
    z = tr.position[:, 2]
    w = tr.segments[1]
    k = np.flatnonzero((r.time > w.start) & (r.time < w.end))
    # local minima of the sensor's height at least half as deep as the walk's deepest bounce
    zz = z[k]
    lo = np.flatnonzero((zz[1:-1] < zz[:-2]) & (zz[1:-1] <= zz[2:])) + 1
    hi_level = np.median(zz)
    depth = hi_level - zz[lo]
    full = lo[depth >= 0.5 * depth.max()]
    steps = np.array([s.t for s in tr.steps])
    assert 12 <= len(steps) <= 17  # ~10 s at 100 steps/min less the ramps
    assert abs(len(full) - len(steps)) <= 1
    assert np.all(np.diff(steps) > 0.55) and np.all(np.diff(steps) < 0.65)


def test_day_session_holds_every_kind_and_one_slip_in_its_window():
    for seed in (0, 1, 2):
        scn = random_day_session(seed, fs=52.0)
        assert scn == random_day_session(seed, fs=52.0)  # reproducible
        r = simulate(scn, seed=seed)
        tr = r.truth
        labels = {m.label for m in tr.movements}
        assert {"calibration_bend", "task_bend", "seated_reach"} <= labels
        kinds = {s.kind for s in tr.segments}
        assert {"stand", "sit", "walk", "lift", "lie", "transition"} <= kinds
        assert len(tr.steps) > 10 and len(tr.slouches) >= 1
        assert 9 <= len(tr.lifts) <= 15
        assert {t.style for t in tr.lifts} <= {"stoop", "semi-squat", "squat"}
        (slip,) = tr.clip_slips
        dur = r.time[-1]
        assert 8.0 <= slip.deg <= 12.0
        assert 0.35 * dur - 1 <= slip.start <= 0.55 * dur + 1
        held = [m for m in tr.movements if m.label == "task_bend"]
        assert all(abs(m.hold_end - m.hold_start - 15.0) < 1e-9 for m in held)
    # upright-trunk squats appear over a few seeds
    upright = sum(1 for s in range(6) for t in simulate(random_day_session(s, 52.0), seed=s).truth.lifts
                  if t.style == "squat" and np.degrees(t.peak_flexion) < 22.5)
    assert upright >= 3


def test_steps_and_clip_slips_survive_the_truth_file(tmp_path) -> None:
    from kyphos.sim.scenario import read_truth, write_truth

    r = simulate(_slip_scenario(), seed=0)
    assert len(r.truth.steps) >= 3 and len(r.truth.clip_slips) == 1
    for name in ("t.json", "t.npz"):
        back = read_truth(write_truth(r, tmp_path / name))
        assert back.clip_slips == r.truth.clip_slips and back.steps == r.truth.steps
