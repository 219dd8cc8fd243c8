"""``kyphos live``: a window that shows posture as it happens (any transport), recording too."""

from __future__ import annotations

import argparse
import os
from typing import Any

from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos live --sim                                 # the virtual board, no hardware
  kyphos live --device kyphos-3A4F --record s.kyr   # a board over BLE, recording while it shows
  kyphos live --device serial:/dev/ttyACM0
  kyphos live --replay session.kyr --speed 4        # a recording at 4 × real time
  kyphos live --replay s.kyr --headless-frames frames/ --duration 20 --every 30
keys in the window: c calibrate (stand upright first), m marker, space pause (receiving and
recording go on), r start/stop recording, q quit. See docs/live-view.md."""


def register(sub: Any) -> None:
    from kyphos.link.cli import TARGET_HELP

    p = sub.add_parser(
        "live", help="watch posture live: traces, trunk figure, zones, lifts, slouch alerts",
        description="Open a window showing trunk flexion (over the ISO 11226 zones), lateral "
        "bend and twist, a trunk figure, time in each zone, lifts and slouch alerts, and the "
        "link's health, from a board, the virtual board or a replayed recording. The angles "
        "come from the same processing as `kyphos analyze`, run causally.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--device", "-d", dest="target", default=os.environ.get("KYPHOS_DEVICE"),
                     metavar="TARGET", help=TARGET_HELP)
    src.add_argument("--sim", action="store_true",
                     help="run the virtual board in this process (real time) and watch it")
    src.add_argument("--replay", metavar="FILE", help="play a .kyr recording back")
    p.add_argument("--scenario", default="demo",
                   help="scenario of the virtual board with --sim (default demo; docs/scenarios.md)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="replay speed, × real time (default 1; 0 = as fast as possible)")
    p.add_argument("--record", metavar="FILE",
                   help="record everything received to this .kyr file from the start (r toggles)")
    p.add_argument("--window-s", type=float, default=30.0,
                   help="seconds of trace shown (default 30)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second aimed at (default 30)")
    p.add_argument("--slouch-deg", type=float, default=None,
                   help="slouch threshold above upright, degrees (default 8, as the report)")
    p.add_argument("--sound", action="store_true",
                   help="ring the terminal bell when a slouch alert starts")
    p.add_argument("--headless-frames", metavar="DIR",
                   help="no window: draw on an off-screen canvas and write PNG frames to DIR")
    p.add_argument("--every", type=int, default=1,
                   help="with --headless-frames: write every Nth frame (default 1)")
    p.add_argument("--duration", type=float, default=None,
                   help="stop after this many seconds (default: until the stream ends or q)")
    p.add_argument("--timeout", type=float, default=float(os.environ.get("KYPHOS_TIMEOUT", "5")),
                   help="seconds to wait for each answer from the board (default 5)")
    p.set_defaults(func=run)


def target_of(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The link target and connect options from the source options."""
    if args.sim:
        return "sim", {"scenario": args.scenario}
    if args.replay:
        if not os.path.exists(args.replay):
            raise KyphosError(f"{args.replay}: no such recording")
        return f"replay:{args.replay}@{args.speed:g}", {}
    if not args.target:
        raise KyphosError("no source: give --device TARGET, --sim or --replay FILE "
                          "(or set KYPHOS_DEVICE); `kyphos scan` lists boards")
    return str(args.target), {}


def run(args: argparse.Namespace) -> int:
    from kyphos.views.live import LiveSession

    target, kw = target_of(args)
    if args.window_s <= 1 or args.fps <= 0:
        raise KyphosError("--window-s must be > 1 and --fps > 0")
    if args.record and os.path.exists(args.record):
        raise KyphosError(f"{args.record} exists; not overwriting a recording")
    kw["command_timeout_s"] = args.timeout
    session = LiveSession(target, record=args.record, window_s=args.window_s, fps=args.fps,
                          sound=args.sound, slouch_threshold_deg=args.slouch_deg,
                          connect_kwargs=kw)
    if args.headless_frames:
        import matplotlib

        matplotlib.use("Agg")
        st = session.run_headless(args.headless_frames, duration_s=args.duration,
                                  every=max(1, args.every))
        fps = st.drawn / max(sum(st.draw_s), 1e-9)
        print(f"{st.drawn} frames drawn ({st.dropped} dropped), {fps:.0f} frames/s drawing speed, "
              f"{session.state.samples:,} samples, {len(session.state.lifts)} lifts; PNGs in "
              f"{args.headless_frames}")
    else:
        if args.duration is not None:
            import threading

            threading.Timer(args.duration, session.stop).start()
        session.run_window(close_on_end=args.duration is not None)
    for m in session.messages:
        if m.startswith(("wrote", "recording to", "recording stopped")) or "cannot" in m:
            print(m)
    return 0
