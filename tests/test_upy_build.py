"""kyphos.sim.upy.build: the pinned MicroPython unix port build (issue 13 item 1)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402
from kyphos.sim.upy import build  # noqa: E402


def test_the_cached_build_is_reused_and_is_micropython_1_28_with_nimble() -> None:
    bins = binaries()
    t0 = time.monotonic()
    again = build.ensure_built()
    assert again == bins and time.monotonic() - t0 < 2.0  # the stamp matches: no rebuild
    code = "import sys, bluetooth; print(sys.implementation.version[:3], 1/3)"
    out = {v: subprocess.run([str(bins.for_floats(v)), "-c", code], capture_output=True,
                             text=True, timeout=30, check=True).stdout.strip()
           for v in ("double", "float32")}
    assert out["double"] == "(1, 28, 0) 0.3333333333333333"
    assert out["float32"] == "(1, 28, 0) 0.33333334"  # single precision, as the ESP32 port


def test_a_tarball_that_is_not_the_pinned_one_is_refused(tmp_path, monkeypatch) -> None:
    bad = tmp_path / build.TARBALL_NAME
    bad.write_bytes(b"not the MicroPython sources")
    monkeypatch.setenv("KYPHOS_MPY_TARBALL", str(bad))
    monkeypatch.setenv("KYPHOS_MPY_CACHE", str(tmp_path / "cache"))
    if build.missing_tools():
        pytest.skip("no gcc/make")
    with pytest.raises(build.BuildError, match="sha256 does not match"):
        build.ensure_built()


def test_a_changed_pin_is_not_the_cached_build(tmp_path, monkeypatch) -> None:
    bins = binaries()
    root = build.cache_dir()
    pin = (root / "STAMP").read_text()
    assert build._cached(root, pin) == bins
    assert build._cached(root, pin + "x") is None  # another pin: ensure_built would rebuild


def test_a_build_from_the_tarball_is_reused_where_only_the_tag_is_known(tmp_path, monkeypatch) -> None:
    root = tmp_path / "cache"
    for variant in build.VARIANTS:
        exe = build._binary(root, variant)
        exe.parent.mkdir(parents=True)
        exe.write_text("")
    (root / "STAMP").write_text(build._pin(f"sha256:{build.TARBALL_SHA256}"))
    monkeypatch.setenv("KYPHOS_MPY_CACHE", str(root))
    monkeypatch.setattr(build, "vendored_tarball", lambda: None)  # a checkout away from ../shared
    monkeypatch.setattr(build, "_run", lambda *a, **k: pytest.fail("rebuilt a good cache"))
    assert build.ensure_built().double == build._binary(root, "double")
    assert (root / "STAMP").is_file()  # not wiped
