"""`kyphos info`, `kyphos analyze` (text and JSON) and the report count gaps and damaged bytes
the same way, from one function (kyphos.recording.quality.data_quality) — issue 16 item 4.
Before, info said "gaps none" on a CSV file where analyze found gaps, and analyze said nothing
about damage that info and the report showed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.recording.synth import write_synth


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def gappy_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """90 s at 104 Hz with samples lost at 30 s (0.5 s), 50 s (5 samples, 0.05 s: short
    enough to be bridged by the analysis) and 70 s (2 s)."""
    s = lift_session(90, 104, n_lifts=5, mount=mounting(5, 10, 0), seed=5)
    keep = np.ones(len(s.time), bool)
    for t0, t1 in ((30.0, 30.5), (50.0, 50.05), (70.0, 72.0)):
        keep &= ~((s.time > t0) & (s.time < t1))
    p = tmp_path_factory.mktemp("gaps") / "gappy.csv"
    np.savetxt(p, np.column_stack([s.time[keep], s.acc[keep], s.gyr[keep]]), delimiter=",",
               header="t_s,ax,ay,az,gx,gy,gz", comments="", fmt="%.7g")
    return p


def test_csv_gaps_are_counted_the_same_everywhere(gappy_csv: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    info = json.loads(_run(capsys, "info", str(gappy_csv), "--json"))
    ana = json.loads(_run(capsys, "analyze", str(gappy_csv), "--json"))
    assert len(info["gaps"]) == 3
    assert ana["data_quality"] == info["data_quality"]
    assert ana["gaps"] == info["gaps"]
    lost = [b - a for a, b in info["gaps"]]
    np.testing.assert_allclose(lost, [0.5, 0.05, 2.0], atol=2 / 104)
    info_txt = _run(capsys, "info", str(gappy_csv))
    ana_txt = _run(capsys, "analyze", str(gappy_csv))
    assert re.search(r"^gaps\s+3, ", info_txt, re.M)
    total = f"{info['data_quality']['gap_total_s']:.3f} s in all"
    assert total in info_txt and f"gaps 3 ({total})" in ana_txt
    out = tmp_path / "r.html"
    assert main(["report", str(gappy_csv), "-o", str(out)]) == 0
    assert f"gaps 3 ({total})" in out.read_text()


def test_damage_is_counted_the_same_everywhere(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from kyphos.recording.kyr import read_kyr

    rec = tmp_path / "s.kyr"
    write_synth(rec, 70.0)
    data = bytearray(rec.read_bytes())
    offs = read_kyr(rec).index.offsets
    imu = [int(o) for o in offs if data[o + 9] == 0x02]
    for k in (len(imu) // 3, 2 * len(imu) // 3):
        data[imu[k] + 40] ^= 0x55  # inside an IMU sample of two records
    bad = tmp_path / "bad.kyr"
    bad.write_bytes(bytes(data))
    info = json.loads(_run(capsys, "info", str(bad), "--json"))
    ana = json.loads(_run(capsys, "analyze", str(bad), "--json"))
    q = info["data_quality"]
    assert q["damage_count"] == 2 and q["damaged_bytes"] > 0 and q["gap_count"] == 2
    assert ana["data_quality"] == q
    assert any(f"{q['damage_count']} damaged stretch(es)" in w and
               f"({q['damaged_bytes']:,} bytes)" in w for w in ana["warnings"])
    ana_txt = _run(capsys, "analyze", str(bad))
    info_txt = _run(capsys, "info", str(bad))
    line = f"damage {q['damage_count']} stretch(es), {q['damaged_bytes']:,} bytes unreadable"
    assert line in ana_txt
    assert f"{q['damage_count']} stretch(es), {q['damaged_bytes']:,} bytes unreadable" in info_txt
    out = tmp_path / "r.html"
    assert main(["report", str(bad), "-o", str(out)]) == 0
    html = out.read_text()
    assert line in html and f"gaps {q['gap_count']} (" in html
