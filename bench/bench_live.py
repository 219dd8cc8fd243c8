"""Benchmark of ``kyphos live`` on this machine (headless, Agg): drawing speed with 208 Hz input
and end-to-end latency from a sample's timestamp to the frame that shows it.

    .venv/bin/python bench/bench_live.py            # about 3.5 minutes
    .venv/bin/python bench/bench_live.py --quick    # about 1.5 minutes

1. **Frames/s with 208 Hz input.** A 208 Hz recording is replayed in real time through the
   Device API into the live state (the receive thread runs the causal chain on every sample)
   while the drawing loop draws as fast as it can (blitting, 12 × 7 in at 100 dpi). Printed
   beside the reference: the same figure redrawn in full every frame (no blitting), and the
   target of 30 frames/s, with the ratios.
2. **Latency, replay.** The same replay drawn at 30 frames/s: newest sample's time → frame
   shown. A replay re-stamps frames with the host clock as it sends them, so the sample time is
   mapped with the lower envelope of (receive time − sample time): link delay of the fastest
   frame counts as zero.
3. **Latency, virtual board.** The real firmware on the virtual board (104 and 208 Hz) over the
   virtual BLE radio, in real time, in this process. Board and host read the same event-loop
   clock, so a sample's device timestamp maps to host time exactly: this is the whole path
   (sampling → firmware batching → BLE notification → decode → causal chain → frame). The
   simulated board shares this process (and its GIL) with the drawing, which a real board does
   not; so it is also run in its own process (``kyphos sim --serial``, 208 Hz, read over its
   pty), where the clocks are not shared and the envelope is used. Target ≤ 100 ms.

Frames follow the data: one is drawn as soon as new samples are in (at most 30/s). Each
latency is given for the newest and the oldest of the new samples a frame shows (the oldest
also waited for the board to fill its batch), split into taken → received (board and link)
and received → shown (this host: decode, causal chain, drawing).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from kyphos.recording.synth import write_synth
from kyphos.views.live import LiveSession

TARGET_FPS = 30.0
TARGET_LATENCY_MS = 100.0


def _pct(x: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(x), q)) if x else float("nan")


def _agg_session(target: str, **kw: Any) -> tuple[LiveSession, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    s = LiveSession(target, **kw)
    fig = Figure(figsize=(12.0, 7.0), dpi=100.0)  # what run_headless draws on
    FigureCanvasAgg(fig)
    return s, s.make_figure(fig)


def max_fps(path: Path, seconds: float) -> dict[str, Any]:
    """Draw frames back to back (blitting) while 208 Hz arrives in real time."""
    s, lf = _agg_session(f"replay:{path}@1")
    s.start()
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds and not s.ended.is_set():
            s.frame()
    finally:
        s.stop()
        s.join()
    wall = time.monotonic() - t0
    st = s.stats
    n_in = s.state.samples
    return {"frames": st.drawn, "wall_s": wall, "fps": st.drawn / wall,
            "draw_ms_median": 1000 * _pct(st.draw_s, 50), "samples": n_in,
            "input_hz": n_in / wall, "slow_redraws": lf.slow_redraws}


def full_redraw_fps(path: Path, seconds: float) -> dict[str, Any]:
    """The reference: the same figure, every artist redrawn every frame (no blitting)."""
    s, lf = _agg_session(f"replay:{path}@1")
    for a in lf.fast + lf.slow:
        a.set_animated(False)
    s.start()
    n = 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds and not s.ended.is_set():
            lf.update(s.state.snapshot(s.window_s))
            lf.fig.canvas.draw()
            n += 1
    finally:
        s.stop()
        s.join()
    wall = time.monotonic() - t0
    return {"frames": n, "wall_s": wall, "fps": n / wall}


def _latency(st: Any, skip: int) -> dict[str, Any]:
    """Summary of a run's per-frame latencies, leaving out the first ``skip`` frames."""
    out: dict[str, Any] = {"frames": st.drawn, "dropped": st.dropped}
    for key, xs in (("newest", st.latency_ms), ("oldest", st.oldest_latency_ms),
                    ("receive", st.receive_ms), ("transit", st.transit_ms)):
        x = xs[skip:]
        out[key] = {"median_ms": _pct(x, 50), "p95_ms": _pct(x, 95),
                    "max_ms": max(x) if x else float("nan"), "n": len(x)}
    return out


def latency_replay(path: Path, seconds: float) -> dict[str, Any]:
    s = LiveSession(f"replay:{path}@1", fps=TARGET_FPS)
    st = s.run_headless(None, duration_s=seconds)
    return _latency(st, 16)  # after the first second


def _board_scenario(fs: float) -> dict[str, Any]:
    from kyphos.sim.scenario import load_scenario

    scen = load_scenario("demo")
    scen["sensor"]["fs_hz"] = fs
    return scen


def latency_board(seconds: float, fs: float = 208.0) -> dict[str, Any]:
    """The virtual board in this process (BLE on the virtual radio), exact clock."""
    s = LiveSession("sim", fps=TARGET_FPS, connect_kwargs={
        "scenario": _board_scenario(fs), "config": {"odr_hz": int(fs)}})
    t0 = time.monotonic()
    st = s.run_headless(None, duration_s=seconds)
    wall = time.monotonic() - t0
    out = _latency(st, 48)  # after the first 3 s (boot, connect)
    out.update(fps=st.drawn / wall, samples=s.state.samples, odr_hz=s.state.fs,
               exact_clock=s.state.device_to_host is not None)
    return out


def transit_board_no_window(seconds: float, fs: float) -> dict[str, Any]:
    """The virtual board in this process with nothing drawing: newest sample of each batch
    taken → received (exact clock), first and last seconds apart (a growing delay means the
    simulation is not keeping real time)."""
    s = LiveSession("sim", connect_kwargs={
        "scenario": _board_scenario(fs), "config": {"odr_hz": int(fs)}})
    st = s.state
    seen: list[tuple[float, float]] = []
    orig = st._ingest

    def ingest(records: Any) -> int:
        recs = list(records)
        n = orig(recs)
        f = st.device_to_host
        if n and f is not None and st._t_last_s is not None:
            h = max(r.host_us for r in recs if r.frame.type == 2)
            seen.append((time.monotonic(), (h - f(st._t_last_s)) / 1000.0))
        return n

    st._ingest = ingest  # type: ignore[method-assign]
    s.start()
    time.sleep(seconds)
    s.stop()
    s.join()
    t = np.array([a for a, _ in seen])
    d = np.array([b for _, b in seen])
    first = d[t < t[0] + 2.0] if len(t) else d
    last = d[t > t[-1] - 2.0] if len(t) else d
    return {"median_ms": _pct(list(d), 50), "first_2s_ms": float(np.median(first)),
            "last_2s_ms": float(np.median(last)), "samples": st.samples, "odr_hz": fs}


def latency_board_process(seconds: float, fs: float = 208.0) -> dict[str, Any]:
    """The virtual board in its own process (``kyphos sim --serial``), as a real board is:
    the host reads its USB serial on the pseudo-terminal."""
    import os
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as d:
        flash = Path(d) / "flash"
        flash.mkdir()
        (flash / "config.json").write_text(json.dumps({"odr_hz": int(fs)}))
        scen = Path(d) / "scen.json"
        scen.write_text(json.dumps(_board_scenario(fs)))
        port = 9800 + os.getpid() % 100
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())", "sim", "--serial", "--scenario",
             str(scen), "--flash-dir", str(flash), "--tcp-port", str(port)],
            stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            pty = None
            for line in proc.stdout:
                if line.startswith("USB serial"):
                    pty = line.split()[2]
                    break
            if pty is None:
                raise RuntimeError("kyphos sim did not start")
            s = LiveSession(f"serial:{pty}", fps=TARGET_FPS)
            t0 = time.monotonic()
            st = s.run_headless(None, duration_s=seconds)
            wall = time.monotonic() - t0
        finally:
            proc.terminate()
            proc.wait(10)
    out = _latency(st, 32)
    out.update(fps=st.drawn / wall, samples=s.state.samples, odr_hz=s.state.fs)
    return out


def _line(what: str, r: dict[str, Any]) -> str:
    n, o, rc, tr = r["newest"], r["oldest"], r["receive"], r["transit"]
    return (f"{what}: sample → first frame showing it: newest new sample median "
            f"{n['median_ms']:.0f} ms (p95 {n['p95_ms']:.0f}, max {n['max_ms']:.0f}); oldest new "
            f"sample median {o['median_ms']:.0f} ms (p95 {o['p95_ms']:.0f}, max {o['max_ms']:.0f}); "
            f"of which taken → received median {tr['median_ms']:.0f} ms, received → shown median "
            f"{rc['median_ms']:.0f} ms (p95 {rc['p95_ms']:.0f}); "
            f"{r['frames']} frames, {r['dropped']} dropped")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (about 40 s in all)")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args()
    sec = 8.0 if args.quick else 20.0
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "in208.kyr"
        write_synth(path, sec * 2 + 10, fs=208.0)
        res: dict[str, Any] = {}
        res["blit"] = b = max_fps(path, sec)
        print(f"drawing, blitting, 208 Hz input in real time: {b['fps']:.1f} frames/s "
              f"(median {b['draw_ms_median']:.1f} ms per frame; {b['samples']:,} samples in, "
              f"{b['input_hz']:.0f} Hz; {b['slow_redraws']} text-layer redraws)")
        res["full"] = f = full_redraw_fps(path, sec / 2)
        print(f"reference, full redraw every frame (no blitting): {f['fps']:.1f} frames/s "
              f"→ blitting is {b['fps'] / f['fps']:.1f}× faster")
        print(f"target {TARGET_FPS:.0f} frames/s: measured / target = {b['fps'] / TARGET_FPS:.2f}")
        res["replay"] = r = latency_replay(path, sec)
        print(_line("latency, replay at 1× (envelope clock)", r))
    for key, fn, fs, what in (
        ("board104", latency_board, 104.0, "virtual board in this process, BLE (exact clock)"),
        ("board208", latency_board, 208.0, "virtual board in this process, BLE (exact clock)"),
        ("board_process208", latency_board_process, 208.0,
         "virtual board in its own process, USB serial pty (envelope clock)"),
    ):
        res[key] = v = fn(sec + 4.0, fs)
        print(_line(f"latency, {what}, {v['odr_hz']:.0f} Hz, drawn at {v['fps']:.1f} frames/s", v))
        print(f"  target ≤ {TARGET_LATENCY_MS:.0f} ms: oldest-sample median / target = "
              f"{v['oldest']['median_ms'] / TARGET_LATENCY_MS:.2f}, p95 / target = "
              f"{v['oldest']['p95_ms'] / TARGET_LATENCY_MS:.2f}")
    for fs in (104.0, 208.0):
        res[f"no_window{fs:.0f}"] = w = transit_board_no_window(sec + 4.0, fs)
        print(f"virtual board in this process, BLE, {fs:.0f} Hz, no window: newest sample taken → "
              f"received median {w['median_ms']:.0f} ms (first 2 s {w['first_2s_ms']:.0f} ms, last "
              f"2 s {w['last_2s_ms']:.0f} ms; {w['samples']:,} samples in {sec + 4.0:.0f} s)")
    if args.json:
        print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
