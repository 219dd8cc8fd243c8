"""Board .mpy format decoding, compiler choice, header checks, and deploy's local steps."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.board import deploy, mpy
from kyphos.errors import KyphosError


def test_sys_mpy_round_trip_matches_micropython_encoding() -> None:
    # MicroPython 1.23+ on an ESP32-S3: version 6, sub-version 3, arch xtensawin (10).
    value = 6 | (3 << 8) | (10 << 10)
    fmt = mpy.MpyFormat.from_sys_mpy(value)
    assert fmt == mpy.MpyFormat(6, 3, "xtensawin")
    assert fmt.to_sys_mpy() == value
    assert mpy.MpyFormat.from_sys_mpy(6 | (1 << 8) | (11 << 10)).arch == "rv32imc"
    assert mpy.MpyFormat.from_sys_mpy(6 | (2 << 8)).arch is None


def test_each_supported_version_compiles_to_its_header(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f(x):\n    return x + 1\n")
    for sub in (1, 2, 3):
        fmt = mpy.MpyFormat(6, sub, "xtensawin")
        data = mpy.compile_source(src, fmt)
        assert data[:2] == b"M\x06"
        assert mpy.header_ok(data, fmt) is None
        assert mpy.header_ok(data, mpy.MpyFormat(5, 0, None)) == "incompatible .mpy file"
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_unknown_version_and_bad_source_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(KyphosError, match="kyphos flash"):
        mpy.compiler(mpy.MpyFormat(7, 0, None))
    bad = tmp_path / "bad.py"
    bad.write_text("def broken(:\n")
    with pytest.raises(KyphosError, match="mpy-cross failed on .*bad.py"):
        mpy.compile_source(bad, mpy.MpyFormat(6, 3, None))


def test_build_keeps_main_as_source_and_version_is_read_not_run() -> None:
    fw = deploy.firmware_dir()
    files = deploy.build(fw, mpy.MpyFormat(6, 3, "xtensawin"))
    assert files["main.py"] == (fw / "main.py").read_bytes()
    assert "app.mpy" in files and "app.py" not in files
    assert deploy.firmware_version(fw).count(".") == 2


def test_progress_bar_counts_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    show = deploy._progress(True, 2048)
    show("a.mpy", 1024)
    show("b.mpy", 1024)
    out = capsys.readouterr().out
    assert out.endswith("2.0/2.0 kB  b.mpy           ")
    assert "#" * 30 in out
    quiet = deploy._progress(False, 10)
    quiet("x", 10)
    assert capsys.readouterr().out == ""


def test_device_name_limits() -> None:
    assert deploy.check_name("kyphos-anna") == "kyphos-anna"
    assert deploy.check_name("x" * 29) == "x" * 29  # the scan response's room for a name
    with pytest.raises(KyphosError, match="at most 29"):
        deploy.check_name("x" * 30)
    with pytest.raises(KyphosError):
        deploy.check_name("bad\nname")
