"""``kyphos review FILE``: the interactive review window (matplotlib)."""

from __future__ import annotations

import argparse
from typing import Any

from kyphos.cli.options import add_force, validity_gate
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos review session.kyr
  kyphos review session.kyr --notes visit3-notes.json
  kyphos review session.kyr --lift 4 --export lift4.png     # no window: save that view

keys: n/→ next lift, p/← previous, +/- zoom, Delete: the lift's notes, s save, e export PNG;
click a lift to select it, the overview to move there; click the note box, type, press Enter.
Notes go to FILE.review.json (the recording is never modified); `e` saves the view as
FILE.review-<t>s.png beside the recording, a new name each time. --export keeps an existing PNG
unless --force. Details: docs/report.md."""



def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kyphos.cli.cmd_report import options
    from kyphos.fileio import check_output
    from kyphos.views.review import Review, sidecar_path

    an_kw, load_kw = options(args, Path(args.file))
    if not Path(args.file).is_file():
        what = "a folder" if Path(args.file).is_dir() else "no such file"
        raise KyphosError(f"{args.file}: {what}; give a recording (.kyr or .csv)")
    notes = Path(args.notes) if args.notes else sidecar_path(args.file)
    if notes.exists() and notes.samefile(args.file):
        raise KyphosError(f"--notes {notes} is the recording itself: notes go to a separate "
                          "file (default FILE.review.json)")
    if args.export:
        if Path(args.export).suffix.lower() != ".png":
            raise KyphosError(f"--export {args.export}: give a .png file name")
        check_output(args.export, force=args.force, inputs=[args.file, notes])
        r = Review(args.file, notes_path=args.notes, analysis_options=an_kw, **load_kw)
        validity_gate(r.a, args.file)
        if args.lift is not None:
            if not 1 <= args.lift <= max(1, len(r.lifts)) or not r.lifts:
                raise KyphosError(f"--lift {args.lift}: the recording has {len(r.lifts)} lifts")
            r.select_lift(args.lift - 1)
        print(f"wrote {r.export_png(args.export, force=args.force)}")
        return 0
    import matplotlib
    import matplotlib.pyplot as plt

    if matplotlib.get_backend().lower() in ("agg", "pdf", "svg", "ps", "cairo", "template"):
        raise KyphosError("no display for a window (matplotlib backend "
                          f"{matplotlib.get_backend()}): use --export PNG, or run with a display")
    # matplotlib's default keys that would clash with the review keys in the window
    matplotlib.rcParams.update({"keymap.back": [], "keymap.forward": [], "keymap.pan": [],
                                "keymap.save": [], "keymap.zoom": [], "keymap.home": []})
    fig = plt.figure(figsize=(13, 8))
    r = Review(args.file, figure=fig, notes_path=args.notes, analysis_options=an_kw,
               **load_kw)
    validity_gate(r.a, args.file)
    if args.lift is not None and r.lifts:
        r.select_lift(args.lift - 1)
    plt.show()
    if r.notes:
        print(f"{len(r.notes)} note(s) in {r.notes_path}")
    return 0


def register(sub: Any) -> None:
    from kyphos.cli.cmd_report import add_analysis_options

    p = sub.add_parser(
        "review",
        help="interactive review window: overview, zoom, lift by lift, PT notes",
        description="Open a recording in a window: the whole session, a zoomed view and the "
        "selected lift's detail; jump from lift to lift, annotate, export the view as PNG.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="recording (.kyr or .csv)")
    p.add_argument("--notes", help="notes file (default FILE.review.json)")
    p.add_argument("--lift", type=int, help="start at this lift (1-based)")
    p.add_argument("--export", metavar="PNG",
                   help="no window: save the view (at --lift) as PNG and exit")
    add_force(p, "an existing --export PNG")
    add_analysis_options(p)
    p.set_defaults(func=run)
