"""``kyphos live``: a window that shows posture as it happens (any transport), recording too."""

from __future__ import annotations

import argparse
import os
from typing import Any

from kyphos.cli.options import add_device, add_duration, add_force, connect_options, device_of
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos live --device sim                          # the virtual board, no hardware
  kyphos live --device kyphos-3A4F --record s.kyr   # a board over BLE, recording while it shows
  kyphos live --device serial:/dev/ttyACM0
  kyphos live --device replay:session.kyr --speed 4 # a recording at 4 × real time
  kyphos live --device replay:s.kyr --headless-frames frames/ --duration 10 --every 30
  kyphos live --device sim --hip-height-m 0.92      # lift style per leg length, as analyze
keys in the window: c calibrate (stand upright first; then bend forward slowly once when the
banner asks, and stand up straight: that bend is the calibration bend, written with the upright
into the --record file for analyze and report; c again later is the upright from then on and asks
for the bend again, whose lever names the lifts after it, in the view and the report; sitting, a standing calibration is kept), m marker, space pause (receiving and
recording go on), r start/stop recording, q quit. Without a display, --headless-frames DIR
writes the window as PNG files instead (or set MPLBACKEND to an interactive backend such as
TkAgg with a display). --record keeps an existing file unless --force. See docs/live-view.md."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "live", help="watch posture live: traces, trunk figure, zones, lifts, slouch alerts",
        description="Open a window showing trunk flexion (over the ISO 11226 zones), lateral "
        "bend and twist, a trunk figure, time in each zone, lifts and slouch alerts, and the "
        "link's health, from a board, the virtual board or a replayed recording. The angles "
        "come from the same processing as `kyphos analyze`, run causally.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_device(p, positional_alias=False)
    # old spellings, hidden for one release: --sim = --device sim, --replay F = --device replay:F
    p.add_argument("--sim", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--replay", metavar="FILE", help=argparse.SUPPRESS)
    p.add_argument("--scenario", default="demo",
                   help="with --device sim: the virtual wearer's scenario (default demo; "
                        "docs/scenarios.md)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="with --device replay:FILE: replay speed, × real time (default 1; 0 = "
                        "as fast as possible)")
    p.add_argument("--record", metavar="FILE",
                   help="record everything received to this .kyr file from the start (r toggles)")
    add_force(p, "an existing --record file or frame-*.png in the --headless-frames folder")
    p.add_argument("--window-s", type=float, default=30.0,
                   help="seconds of trace shown (default 30)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second aimed at (default 30)")
    p.add_argument("--slouch-deg", type=float, default=None,
                   help="slouch threshold above upright, degrees (default 8, as the report)")
    p.add_argument("--sound", action="store_true",
                   help="ring the terminal bell when a slouch alert starts")
    p.add_argument("--guide-s", type=float, default=None, metavar="S",
                   help="after c, ask for one slow forward bend for S seconds and take it as the "
                        "calibration bend (default 20; 0: no prompt, c takes the upright only)")
    p.add_argument("--headless-frames", metavar="DIR",
                   help="no window: draw on an off-screen canvas and write PNG frames to DIR")
    p.add_argument("--every", type=int, default=1,
                   help="with --headless-frames: write every Nth frame drawn (default 1)")
    from kyphos.cli.cmd_report import add_wearer_options

    add_wearer_options(p)  # as analyze, report and compare: lift style per leg length
    add_duration(p, "until the stream ends, or q")
    p.set_defaults(func=run)


def target_of(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The link target and connect options: ``--device`` (``replay:FILE`` gets ``@SPEED``
    from ``--speed``; ``sim`` gets ``--scenario``), or the old ``--sim`` / ``--replay FILE``."""
    given = [x for x in (args.target, "sim" if args.sim else None,
                         f"replay:{args.replay}" if args.replay else None) if x]
    if len(given) > 1:
        raise KyphosError("give one source: --device TARGET (sim, replay:FILE, serial:PORT or "
                          "a BLE name)")
    target = given[0] if given else device_of(args)
    assert target is not None
    low = target.lower()
    if low.startswith("replay:") or (low.endswith(".kyr") and ":" not in target):
        path = target.split(":", 1)[1] if low.startswith("replay:") else target
        path, _, speed = path.partition("@")
        if not os.path.isfile(path):
            raise KyphosError(f"{path}: no such recording (--device replay:FILE.kyr)")
        return f"replay:{path}@{float(speed) if speed else args.speed:g}", {}
    if low == "sim" or low.startswith("sim:"):
        return target, {"scenario": args.scenario, **connect_options(target)}
    return target, {}


def _need_display() -> None:
    """Refuse before connecting when matplotlib has no interactive backend (no display)."""
    import matplotlib

    backend = str(matplotlib.get_backend()).lower()
    if backend in ("agg", "pdf", "svg", "ps", "cairo", "template", "module://matplotlib_inline"
                   ".backend_inline") or backend.startswith("module://"):
        raise KyphosError(f"no display for the live window (matplotlib backend {backend}): use "
                          "--headless-frames DIR to write PNG frames, or set MPLBACKEND "
                          "(e.g. TkAgg) on a machine with a display")


def run(args: argparse.Namespace) -> int:
    from kyphos.fileio import check_output
    from kyphos.metrics.style import wearer_from
    from kyphos.views.live import LiveSession
    from kyphos.views.live_state import GUIDE_S

    wearer = wearer_from(args.hip_height_m, args.height_m)  # one line, as analyze's, before any link
    target, kw = target_of(args)
    if args.window_s <= 1 or args.fps <= 0:
        raise KyphosError("--window-s must be > 1 and --fps > 0")
    if args.every < 1:
        raise KyphosError("--every must be 1 or more")
    if args.guide_s is not None and args.guide_s < 0:
        raise KyphosError("--guide-s must be 0 (no prompt) or more")
    replay_file = target[len("replay:"):].rpartition("@")[0] if target.startswith("replay:") else None
    if args.record:
        check_output(args.record, force=args.force, what="recording",
                     inputs=[replay_file] if replay_file else [])
    if args.headless_frames:
        from pathlib import Path

        old = sorted(Path(args.headless_frames).glob("frame-*.png"))
        if old and not args.force:
            raise KyphosError(f"{args.headless_frames} already holds {len(old)} frame-*.png: "
                              "choose a new folder, or pass --force to replace them")
    else:
        import matplotlib.pyplot  # noqa: F401 - picks the backend (Agg without a display)

        _need_display()
    kw["command_timeout_s"] = args.timeout
    # a replay as fast as possible rendered to files: every update drawn, none dropped
    lossless = bool(args.headless_frames) and target.startswith("replay:") \
        and float(target.rpartition("@")[2] or 1) == 0
    session = LiveSession(target, record=args.record, window_s=args.window_s, fps=args.fps,
                          sound=args.sound, slouch_threshold_deg=args.slouch_deg,
                          connect_kwargs=kw, overwrite=args.force, lossless=lossless,
                          wearer=wearer, guide_s=GUIDE_S if args.guide_s is None else args.guide_s)
    if args.headless_frames:
        import matplotlib

        matplotlib.use("Agg")
        st = session.run_headless(args.headless_frames, duration_s=args.duration,
                                  every=args.every)
        fps = st.drawn / max(sum(st.draw_s), 1e-9)
        print(f"{st.drawn} frames drawn ({st.dropped} dropped), {fps:.0f} frames/s drawing speed, "
              f"{session.state.samples:,} samples, {len(session.state.lifts)} lifts; "
              f"{st.written} PNG(s) (every {args.every}th frame drawn) in {args.headless_frames}")
    else:
        if args.duration is not None:
            import threading

            threading.Timer(args.duration, session.stop).start()
        session.run_window(close_on_end=args.duration is not None)
    for m in session.messages:
        if m.startswith(("wrote", "recording to", "recording stopped", "calibration bend",
                         "no calibration bend")) or "cannot" in m:
            print(m)
    return 0
