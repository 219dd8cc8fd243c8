"""`kyphos info` on a recording written by the test suite, a truncated one, and non-recordings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kyphos.cli import main
from kyphos.recording.synth import write_synth


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("info") / "s.kyr"
    write_synth(p, 20.0)
    return p


def test_info_prints_header_device_duration_samples(rec: Path, capsys) -> None:
    assert main(["info", str(rec)]) == 0
    out = capsys.readouterr().out
    assert "source sim" in out and "subject    demo-001" in out
    assert "kyphos-virtual" in out and "LSM6DSOX" in out
    assert "duration   19.99 s" in out and "2,080 IMU at 104.00 Hz" in out
    assert "gaps       none" in out and "damage     none" in out


def test_info_on_truncated_recording_says_damaged_and_exits_0(rec: Path, tmp_path: Path, capsys) -> None:
    cut = tmp_path / "cut.kyr"
    cut.write_bytes(rec.read_bytes()[:-77])
    assert main(["info", str(cut)]) == 0
    out = capsys.readouterr().out
    assert "DAMAGED" in out and "torn tail at byte" in out and "runs past the end" in out


def test_info_json_lists_gaps_and_damage(rec: Path, tmp_path: Path, capsys) -> None:
    from kyphos.recording.kyr import read_kyr

    data = bytearray(rec.read_bytes())
    offs = read_kyr(rec).index.offsets
    imu = [int(o) for o in offs if data[o + 9] == 0x02]
    data[imu[len(imu) // 2] + 40] ^= 0x55  # inside an IMU sample of a middle record
    bad = tmp_path / "bad.kyr"
    bad.write_bytes(bytes(data))
    assert main(["info", "--json", str(bad)]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["samples"] == 2080 - 13 and d["damage"][0]["kind"] == "corrupt"
    assert len(d["gaps"]) == 1  # the lost IMU frame leaves a gap
    assert d["gaps"][0][1] - d["gaps"][0][0] == pytest.approx(14 / 104, abs=1e-4)


@pytest.mark.parametrize("content", [b"", b"just text\n", b"\x89PNG\r\n\x1a\n" + bytes(40)])
def test_info_on_non_recording_is_a_one_line_error(tmp_path: Path, capsys, content: bytes) -> None:
    p = tmp_path / "x.kyr"
    p.write_bytes(content)
    assert main(["info", str(p)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kyphos: ") and err.count("\n") == 1 and "not a .kyr" in err


def test_info_on_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["info", str(tmp_path / "none.kyr")]) == 1
    assert "no such file" in capsys.readouterr().err
