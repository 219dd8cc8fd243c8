"""Benchmark of ``kyphos live`` on this machine (headless, Agg): drawing speed with 208 Hz input
and end-to-end latency from a sample's timestamp to the frame that shows it.

    .venv/bin/python bench/bench_live.py            # about 1.5 minutes
    .venv/bin/python bench/bench_live.py --quick    # about 40 s

1. **Frames/s with 208 Hz input.** A 208 Hz recording is replayed in real time through the
   Device API into the live state (the receive thread runs the causal chain on every sample)
   while the drawing loop draws as fast as it can (blitting, 12 × 7 in at 100 dpi). Printed
   beside the reference: the same figure redrawn in full every frame (no blitting), and the
   target of 30 frames/s, with the ratios.
2. **Latency, replay.** The same replay drawn at 30 frames/s: newest sample's time → frame
   shown. A replay re-stamps frames with the host clock as it sends them, so the sample time is
   mapped with the lower envelope of (receive time − sample time): link delay of the fastest
   frame counts as zero.
3. **Latency, virtual board.** The real firmware on the virtual board at 208 Hz over the
   virtual BLE radio, in real time, drawn at 30 frames/s. Board and host read the same
   event-loop clock, so a sample's device timestamp maps to host time exactly: this is the
   whole path (sampling → firmware batching → BLE notification → decode → causal chain →
   frame). Target ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from kyphos.recording.synth import write_synth  # noqa: E402
from kyphos.views.live import LiveSession  # noqa: E402

TARGET_FPS = 30.0
TARGET_LATENCY_MS = 100.0


def _pct(x: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(x), q)) if x else float("nan")


def max_fps(path: Path, seconds: float) -> dict[str, Any]:
    """Draw as fast as possible while 208 Hz arrives in real time."""
    s = LiveSession(f"replay:{path}@1", fps=1000.0)
    t0 = time.monotonic()
    st = s.run_headless(None, duration_s=seconds)
    wall = time.monotonic() - t0
    n_in = s.state.samples
    return {"frames": st.drawn, "wall_s": wall, "fps": st.drawn / wall,
            "draw_ms_median": 1000 * _pct(st.draw_s, 50), "samples": n_in,
            "input_hz": n_in / wall, "slow_redraws": s.figure.slow_redraws}


def full_redraw_fps(path: Path, seconds: float) -> dict[str, Any]:
    """The reference: the same figure, every artist redrawn every frame (no blitting)."""
    s = LiveSession(f"replay:{path}@1", fps=1000.0)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.0, 7.0), dpi=100.0)
    FigureCanvasAgg(fig)
    lf = s.make_figure(fig)
    for a in lf.fast + lf.slow:
        a.set_animated(False)
    s.start()
    n = 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds and not s.ended.is_set():
            lf.update(s.state.snapshot(s.window_s))
            fig.canvas.draw()
            n += 1
    finally:
        s.stop()
        s.join()
    wall = time.monotonic() - t0
    return {"frames": n, "wall_s": wall, "fps": n / wall}


def latency_replay(path: Path, seconds: float) -> dict[str, Any]:
    s = LiveSession(f"replay:{path}@1", fps=TARGET_FPS)
    st = s.run_headless(None, duration_s=seconds)
    lat = st.latency_ms[int(TARGET_FPS):]  # after the first second
    return {"frames": st.drawn, "dropped": st.dropped, "median_ms": _pct(lat, 50),
            "p95_ms": _pct(lat, 95), "max_ms": max(lat) if lat else float("nan")}


def latency_board(seconds: float, fs: float = 208.0) -> dict[str, Any]:
    from kyphos.sim.scenario import load_scenario

    scen = load_scenario("demo")
    scen["sensor"]["fs_hz"] = fs
    s = LiveSession("sim", fps=TARGET_FPS,
                    connect_kwargs={"scenario": scen, "config": {"odr_hz": int(fs)}})
    t0 = time.monotonic()
    st = s.run_headless(None, duration_s=seconds)
    wall = time.monotonic() - t0
    lat = st.latency_ms[int(3 * TARGET_FPS):]  # after the first 3 s (boot, connect)
    return {"frames": st.drawn, "dropped": st.dropped, "fps": st.drawn / wall,
            "samples": s.state.samples, "odr_hz": s.state.fs,
            "median_ms": _pct(lat, 50), "p95_ms": _pct(lat, 95),
            "max_ms": max(lat) if lat else float("nan"), "exact_clock": s.state.device_to_host is not None}


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
        print(f"latency, replay at 1×, drawn at {TARGET_FPS:.0f} frames/s: median "
              f"{r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms "
              f"({r['frames']} frames, {r['dropped']} dropped)")
    res["board"] = v = latency_board(sec)
    print(f"latency, virtual board ({v['odr_hz']:.0f} Hz, BLE, real time, exact clock "
          f"{v['exact_clock']}): median {v['median_ms']:.0f} ms, p95 {v['p95_ms']:.0f} ms, "
          f"max {v['max_ms']:.0f} ms ({v['frames']} frames at {v['fps']:.1f}/s, "
          f"{v['dropped']} dropped, {v['samples']:,} samples)")
    print(f"target ≤ {TARGET_LATENCY_MS:.0f} ms: median / target = "
          f"{v['median_ms'] / TARGET_LATENCY_MS:.2f}, p95 / target = {v['p95_ms'] / TARGET_LATENCY_MS:.2f}")
    if args.json:
        print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main()
