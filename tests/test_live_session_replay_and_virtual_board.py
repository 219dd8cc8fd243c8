"""LiveSession end to end, headless: a replay at ×N through the Device API and the virtual
board (real firmware, virtual BLE). Frames are written as PNG; recording while showing keeps
every sample; keys calibrate, mark (NOTE in the recording) and pause (the view holds, the
receive path does not)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import kyphos
import matplotlib
import numpy as np
import pytest
from kyphos.cli import main
from kyphos.recording.kyr import read_kyr
from kyphos.recording.synth import write_synth
from kyphos.views.live import LiveSession

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("live") / "bends.kyr"
    write_synth(path, 30.0)
    return path


def _notes(path: Path) -> list[dict]:
    return [json.loads(raw[10:]) for _h, raw in read_kyr(path).frames() if raw[1] == 0x20]


def test_replay_at_speed_records_every_sample_and_writes_frames(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "rec.kyr"
    s = LiveSession(f"replay:{recording}@10", record=out, fps=20)
    # keys at seconds of the stream, pressed in the receive path: the same under any load
    stats = s.run_headless(tmp_path / "frames", every=5, keys={8.0: "m", 10.0: "c"})
    src = kyphos.load(recording)
    assert s.state.samples == src.n_samples  # drawing dropped frames, never samples
    pngs = len(list((tmp_path / "frames").glob("frame-*.png")))
    assert stats.drawn >= 1 and stats.written == pngs == -(-stats.drawn // 5)
    # the bend at 12 s, the first after c, is the guided calibration bend; the one at 24 s a
    # lift (the one at 0 is cut)
    assert len(s.state.lifts) == 1 and s.state.calibration_bends_s[0][0] > 10.0
    rec = kyphos.load(out)
    assert rec.n_samples == src.n_samples
    np.testing.assert_array_equal(rec.acc, src.acc)
    notes = _notes(out)
    kinds = [n["kind"] for n in notes]
    assert "marker" in kinds and "calibration" in kinds  # a replay is calibrated on the host
    cal = next(n for n in notes if n["kind"] == "calibration")
    assert cal["upright"][1] - cal["upright"][0] == pytest.approx(1.0)
    assert 12.0 < cal["bend"][0] < cal["bend"][1] < 17.0
    assert s.state.calibrated and len(s.state.markers) == 1
    assert stats.latency_ms and np.all(np.isfinite(stats.latency_ms))


def test_pause_holds_the_view_while_samples_keep_coming(recording: Path, tmp_path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    s = LiveSession(f"replay:{recording}@2")  # 15 s: a loaded machine's first frame takes ~5 s
    fig = Figure(figsize=(10, 6), dpi=60)
    FigureCanvasAgg(fig)
    s.make_figure(fig)
    s.press_at({3.0: " "})  # paused at 3 s of the 30 s replay, whatever the machine's load
    s.start()
    try:
        while not s.paused and not s.ended.is_set():
            time.sleep(0.05)
        assert s.paused
        n1 = s.state.samples
        v1 = s.frame()
        img1 = np.asarray(fig.canvas.buffer_rgba()).copy()
        while s.state.samples < n1 + 300 and not s.ended.is_set():
            time.sleep(0.05)
        assert s.state.samples >= n1 + 300
        v2 = s.frame()
        img2 = np.asarray(fig.canvas.buffer_rgba()).copy()
        assert v2 is v1 and np.array_equal(img1, img2)  # held
        s.press(" ")
        v3 = s.frame()
        assert v3.t_now > v1.t_now and v3.samples > v1.samples  # live again, nothing missed
        assert not np.array_equal(np.asarray(fig.canvas.buffer_rgba()), img1)
    finally:
        s.stop()
        s.join()


def test_record_key_starts_and_stops_a_recording(recording: Path, tmp_path: Path) -> None:
    base = tmp_path / "r.kyr"
    s = LiveSession(f"replay:{recording}@10", record=None)
    s.record_path = base  # where `r` records
    s.run_headless(None, keys={5.0: "r", 15.0: "r", 20.0: "r"})  # seconds of the stream
    assert [p.name for p in s.recordings] == ["r.kyr", "r-2.kyr"]
    first, second = (kyphos.load(p) for p in s.recordings)
    assert 0 < first.n_samples < 30 * 104 and second.n_samples > 0
    assert first.host_time[-1] < second.host_time[0]  # one after the other, not overlapping


def test_cli_headless_replay_and_errors(recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = tmp_path / "f"
    assert main(["live", "--replay", str(recording), "--speed", "0", "--headless-frames",
                 str(frames), "--every", "1000"]) == 0
    out = capsys.readouterr().out
    assert "frames drawn" in out and "3,120 samples" in out
    assert (frames / "frame-00000.png").exists()
    assert main(["live", "--replay", str(tmp_path / "nope.kyr")]) == 1
    assert "no such recording" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["sim", "sim:serial"])  # virtual BLE radio; USB serial pty
def test_virtual_board_live_with_calibrate_and_marker(tmp_path: Path, target: str) -> None:
    out = tmp_path / "sim.kyr"
    s = LiveSession(target, record=out, fps=10, connect_kwargs={"scenario": "demo"})
    stats = s.run_headless(tmp_path / "frames", duration_s=7.0, every=20, keys={4.0: "c", 5.0: "m"})
    assert s.state.samples > 300 and stats.drawn > 10
    assert s.state.calibrated  # the board answered CALIBRATE with EVENT CALIBRATED
    assert s.state.health.get("sample_rate_hz", 0) > 50
    assert s.state.device_to_host is not None  # exact sample → host time on the virtual board
    rec = kyphos.load(out)
    kinds = rec.events["kind"].tolist()
    assert 7 in kinds and 6 in kinds  # CALIBRATED and MARKER events from the board
    assert any(n.get("kind") == "marker" for _t, n in rec.notes)
    lat = np.array(stats.latency_ms)
    assert len(lat) and np.all(lat > 0)


def test_a_failing_recording_stops_recording_but_not_the_view(
    recording: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kyphos.errors import RecordingError
    from kyphos.views import live

    orig = live._Recording.frames
    calls = {"n": 0}

    def frames(self: object, recs: list, state: object) -> None:
        calls["n"] += 1
        if calls["n"] == 20:
            raise RecordingError("cannot write rec.kyr: No space left on device")
        orig(self, recs, state)  # type: ignore[arg-type]

    monkeypatch.setattr(live._Recording, "frames", frames)
    out = tmp_path / "rec.kyr"
    s = LiveSession(f"replay:{recording}@10", record=out)
    s.run_headless(None)
    assert s.state.samples == kyphos.load(recording).n_samples  # the view went on
    assert any(m.startswith("recording stopped: cannot write") for m in s.messages)
    assert 0 < kyphos.load(out).n_samples < s.state.samples  # what was written stays readable


def test_lossless_render_of_a_replay_draws_every_batch(recording: Path, tmp_path: Path) -> None:
    """`kyphos live --device replay:F --speed 0 --headless-frames D`: one frame per batch of
    samples, none dropped, so `--every N` keeps every Nth batch of the recording (issue 16: the
    guide's example wrote 1 PNG of 207 frames)."""
    s = LiveSession(f"replay:{recording}@0", fps=20, lossless=True)
    stats = s.run_headless(tmp_path / "frames", every=30)
    batches = sum(1 for _h, raw in read_kyr(recording).frames() if raw[1] == 0x02)
    assert stats.dropped == 0 and s.state.samples == kyphos.load(recording).n_samples
    assert stats.drawn >= batches
    assert stats.written == len(list((tmp_path / "frames").glob("frame-*.png"))) == -(-stats.drawn // 30)
