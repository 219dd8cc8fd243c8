"""The chunked analysis (kyphos.chunked, bounded memory) gives the whole-recording analysis's
results: the same lifts, seated reaches, slouch episodes, sustained bends and activity within a
sample, flexion within 0.05° RMS, the same totals. Forced to short chunks on an 8-minute
recording of the independent validation family (development seed 5: a guided calibration,
13 lifts, 3 seated reaches, 2 slouch episodes, 2 held bends, a clip slip, walking, sitting,
lying), so that chunk boundaries fall inside a lift and a slouch episode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kyphos
import numpy as np
import pytest
from kyphos.analysis import Analysis, analyze
from kyphos.chunked import analyze_chunked, analyze_file
from kyphos.errors import KyphosError

FS = 104.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Analysis]:
    from kyphos.sim.validation import generate

    path = tmp_path_factory.mktemp("chunked") / "v5.kyr"
    generate(5, fs=FS).write_kyr(path)
    return path, analyze(kyphos.load(path))


def _tol(key: str, tol_s: float = 1.5 / FS) -> float:
    if key.endswith("_s") or key in ("t_s",):
        return tol_s  # within a sample
    if key.endswith("_dps"):
        return 0.5
    if key in ("score", "index") or key.startswith("lift_") or key.endswith("_m"):
        return 0.5 if key == "score" else 0.01
    return 0.05  # degrees, percentages (of time: 0.05 points), confidences


def _same(a: Any, b: Any, where: str = "", key: str = "", tol_s: float = 1.5 / FS) -> list[str]:
    """Differences between two JSON documents beyond the tolerance of each key (``tol_s``:
    times)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _same(a[k], b[k], f"{where}/{k}", k, tol_s)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} vs {len(b)} items"]
        if key == "reasons":  # worded with rounded degrees: the same kinds of advice
            return [] if [r.split()[0] for r in a] == [r.split()[0] for r in b] else [where]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _same(x, y, f"{where}[{i}]", key, tol_s)]
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return [] if abs(a - b) <= _tol(key, tol_s) + 1e-9 else [f"{where}: {a} vs {b}"]
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]


def _flexion_rms(whole: Analysis, chunked: Analysis) -> float:
    fw = np.degrees(whole.angles.flexion)
    fc = np.degrees(np.asarray(chunked.angles.flexion, float))
    assert fw.shape == fc.shape
    assert np.array_equal(np.isfinite(fw), np.isfinite(fc))
    ok = np.isfinite(fw)
    return float(np.sqrt(np.mean((fw[ok] - fc[ok]) ** 2)))


def test_chunked_equals_whole(recording: tuple[Path, Analysis]) -> None:
    path, whole = recording
    c = analyze_chunked(path, chunk_s=120.0)  # 5 chunks, 120 s margins
    assert _flexion_rms(whole, c) <= 0.05
    wd, cd = whole.to_dict(), c.to_dict()
    assert _same(wd, cd) == []
    # what must be exactly equal
    assert [(lf.start_s, lf.end_s, lf.style) for lf in c.lifts] == \
        [(lf.start_s, lf.end_s, lf.style) for lf in whole.lifts]
    assert cd["activity"]["intervals"] == wd["activity"]["intervals"]
    assert cd["activity"]["steps"] == wd["activity"]["steps"]
    assert cd["calibration"] == wd["calibration"]
    assert cd["re_references"] == wd["re_references"] and cd["re_references"]
    assert cd["slouch_episodes"] and cd["sustained_bends"] and len(cd["lifts"]) == 13
    assert c.quat.shape == (0, 4)  # nothing per sample kept but the timeline's arrays
    assert c.angles.flexion.dtype == np.float32
    # without the clip-slip search, sitting in every core's stretch: the slouch while sitting
    # is measured from the whole recording's sitting upright (pass 3), not pass 2's guess
    w2 = analyze(kyphos.load(path), clip_slips=False)
    c2 = analyze_chunked(path, chunk_s=120.0, clip_slips=False)
    assert w2.posture.sitting_upright_deg is not None
    assert _same(w2.to_dict(), c2.to_dict()) == []


def test_events_straddling_chunk_boundaries(recording: tuple[Path, Analysis]) -> None:
    """80-s cores with 20-s margins (VQF over 60 s more): boundaries at 160 s (inside the first
    slouch episode, which runs past the margin, so that core is analysed again over a longer
    stretch) and at 240 s (inside a lift). Every event is found once, where the whole analysis
    finds it. (Axial rotation is not compared here: its heading reference, a 0.02 Hz low-pass,
    needs the default 120-s margin, with which the test above compares everything.)"""
    path, whole = recording
    chunk = 80.0
    edges = np.arange(1, 7) * chunk

    def straddles(e: Any) -> bool:
        return bool(np.any((edges > e.start_s) & (edges < e.end_s)))

    assert any(straddles(lf) for lf in whole.lifts)
    long_ = [e for e in whole.posture.slouch_episodes if straddles(e)]
    assert long_ and any(e.end_s - chunk * np.ceil(e.start_s / chunk) > 20.0 for e in long_)
    c = analyze_chunked(path, chunk_s=chunk, margin_s=20.0, overlap_s=60.0)
    assert _flexion_rms(whole, c) <= 0.05
    wd, cd = whole.to_dict(), c.to_dict()
    for key in ("lifts", "seated_reaches", "slouch_episodes", "sustained_bends"):
        assert len(cd[key]) == len(wd[key]) > 0, key
        for x, y in zip(wd[key], cd[key], strict=True):
            assert abs(x["start_s"] - y["start_s"]) <= 1.5 / FS, (key, x, y)
            assert abs(x["end_s"] - y["end_s"]) <= 1.5 / FS, (key, x, y)
            for k in ("peak_deg", "peak_flexion_deg"):
                if k in x:
                    assert abs(x[k] - y[k]) <= 0.05, (key, x, y)
    assert len(c.posture.holding_violations) == len(whole.posture.holding_violations)
    # a walk ends at its last step's peak, which a fading gait makes flat: the per-core VQF runs
    # (80-s cores here, 30 min in use) move it by up to two samples
    assert _same(wd["activity"], cd["activity"], tol_s=2.5 / FS) == []
    assert _same(wd["posture"]["zones_pct"], cd["posture"]["zones_pct"]) == []
    assert cd["re_references"] == wd["re_references"]


def test_analyze_file_picks_the_path(recording: tuple[Path, Analysis],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path, whole = recording
    a = analyze_file(path)  # 8 min: loaded whole
    assert a.quat.shape == whole.quat.shape and a.to_dict() == whole.to_dict()
    monkeypatch.setattr("kyphos.chunked.AUTO_ABOVE_S", 300.0)
    monkeypatch.setattr("kyphos.chunked.CHUNK_S", 120.0)
    b = analyze_file(path)  # "long": chunked
    assert b.quat.shape == (0, 4) and _same(whole.to_dict(), b.to_dict()) == []
    with pytest.raises(KyphosError, match="one chunk"):
        analyze_chunked(path, chunk_s=1800.0)  # 8 min is less than one 30-min chunk


def test_kyphos_analyze_runs_chunked_without_loading_the_whole_file(
        recording: tuple[Path, Analysis], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from kyphos.cli import main

    path, whole = recording
    assert main(["analyze", str(path), "--json", "--whole"]) == 0
    want = json.loads(capsys.readouterr().out)
    monkeypatch.setattr("kyphos.chunked.AUTO_ABOVE_S", 300.0)
    monkeypatch.setattr("kyphos.chunked.CHUNK_S", 120.0)

    def no_whole_load(*a: Any, **k: Any) -> None:
        raise AssertionError("the chunked path loaded the whole recording")

    monkeypatch.setattr("kyphos.load", no_whole_load)
    assert main(["analyze", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert _same(want, got) == []


def test_report_summary_uses_the_chunked_path(recording: tuple[Path, Analysis],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """kyphos report / compare / batch summarise through views.summary.summarize: a long
    recording's summary comes from the chunked analysis, with the whole one's numbers."""
    from dataclasses import asdict

    from kyphos.views.summary import summarize

    path, _whole = recording
    want = asdict(summarize(path))
    monkeypatch.setattr("kyphos.chunked.AUTO_ABOVE_S", 300.0)
    monkeypatch.setattr("kyphos.chunked.CHUNK_S", 120.0)
    calls: list[Any] = []
    import kyphos.chunked as chunked

    real = chunked.analyze_chunked
    monkeypatch.setattr(chunked, "analyze_chunked", lambda *a, **k: calls.append(a) or real(*a, **k))
    got = asdict(summarize(path))
    assert len(calls) == 1
    for k in ("timeline_min", "timeline_mean", "timeline_max"):
        w, g = np.array(want.pop(k), float), np.array(got.pop(k), float)
        assert np.nanmax(np.abs(w - g)) <= 0.05, k
    assert _same(want, got) == []


def test_gaps_across_and_inside_chunks(recording: tuple[Path, Analysis], tmp_path: Path) -> None:
    """The same recording with IMU frames dropped: 10 s at 200 s, one frame near 250 s and 1 s
    at 330 s (gaps that are not bridged: the grid gets separator rows and VQF restarts)."""
    import struct

    from kyphos.recording.kyr import read_kyr, write_kyr

    path, _whole = recording
    k = read_kyr(path)
    keep: list[tuple[int, bytes]] = []
    n_imu = 0
    for host_us, f in k.frames():
        if f[1] == 2:  # an IMU batch: its first sample's device time in µs
            n_imu += 1
            t = struct.unpack_from("<I", f, 6)[0] / 1e6
            if 200.0 <= t < 210.0 or 330.0 <= t < 331.0 or n_imu == 2000:
                continue
        keep.append((host_us, f))
    gappy = tmp_path / "gaps.kyr"
    write_kyr(gappy, k.header, [f for _, f in keep], [h for h, _ in keep])
    whole = analyze(kyphos.load(gappy))
    assert len(whole.prepared.gaps) == 3
    c = analyze_chunked(gappy, chunk_s=120.0)
    assert _flexion_rms(whole, c) <= 0.05
    assert _same(whole.to_dict(), c.to_dict()) == []


def test_cores_without_sitting_take_pass_2s_events(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A standing and walking session (development seed 7, no sitting block) without the
    clip-slip search: the cores whose stretch has no sitting keep the events pass 2 found
    (pass 3 does not run them again), and the result still equals the whole analysis."""
    import kyphos.chunked as chunked
    from kyphos.sim.validation import generate

    path = tmp_path / "stand.kyr"
    generate(7, fs=FS, blocks=("lifts", "walk", "task_bend", "lifts", "walk", "lifts")
             ).write_kyr(path)
    whole = analyze(kyphos.load(path), clip_slips=False)
    taken: list[int] = []
    real = chunked._Driver.event_pass

    def spy(self: Any, rerefs: Any, link: Any, sit_up: Any, done: Any = None) -> Any:
        taken.append(len(done or {}))
        return real(self, rerefs, link, sit_up, done)

    monkeypatch.setattr(chunked._Driver, "event_pass", spy)
    c = analyze_chunked(path, chunk_s=70.0, overlap_s=70.0, clip_slips=False)
    assert taken and taken[0] > 0
    assert _flexion_rms(whole, c) <= 0.05
    assert _same(whole.to_dict(), c.to_dict()) == []
    assert len(c.lifts) == len(whole.lifts) > 0
