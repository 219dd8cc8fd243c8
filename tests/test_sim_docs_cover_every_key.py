"""docs/scenarios.md documents every scenario key, segment kind and chip the code accepts."""

from pathlib import Path

from kyphos.sim.imu_error import CHIPS
from kyphos.sim.scenario import (
    CLIP_SLIP,
    MOUNT,
    SEGMENTS,
    SENSOR,
    SLOUCH,
    SUBJECT,
    SWAY,
    TOP,
    simulate,
)

DOC = (Path(__file__).parents[1] / "docs" / "scenarios.md").read_text(encoding="utf-8")


def test_every_key_is_documented():
    missing = [
        k
        for spec in (TOP, SUBJECT, MOUNT, SENSOR, SWAY, SLOUCH, CLIP_SLIP, *SEGMENTS.values())
        for k in spec
        if f"`{k}`" not in DOC
    ]
    assert not missing, f"undocumented keys: {missing}"


def test_every_segment_kind_and_chip_is_documented():
    assert all(f"**`{kind}`**" in DOC for kind in SEGMENTS)
    assert all(chip in DOC for chip in CHIPS)


def test_result_converts_to_a_session():
    r = simulate("calibration", seed=0, fs=52)
    s = r.to_session()
    assert s.n_samples == r.time.size and s.fs == 52
    assert s.info["acc_scale"] == r.acc_scale
