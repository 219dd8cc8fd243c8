"""``kyphos assess``: the guided range-of-motion assessment (docs/assessment.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from kyphos.cli.options import add_device, add_force, device_of
from kyphos.fileio import check_output, write_text

EPILOG = """examples:
  kyphos assess --device sim -o visit1.kyr --subject S01
  kyphos assess --device kyphos-3A4F -o visit2.kyr --subject S01
Follow the prompts: stand still, then 3 x maximal flexion, extension, side bend left and right,
sit down, 3 x rotation left and right. Movements are found automatically (no keys). The
recording has labelled phases; the summary is written to FILE.kyr.json (the -o name plus
.json). Both files are checked first: existing ones are kept unless --force. With --device sim
the virtual board wears the bundled 'assessment' scenario (or --scenario)."""


def register(sub: Any) -> None:
    p = sub.add_parser("assess", help="guided range-of-motion assessment with live prompts",
                       description="Guided ROM protocol with on-screen prompts: upright neutral, "
                       "maximal flexion, extension, lateral flexion left/right, seated rotation "
                       "left/right, 3 repeats each; ROM per direction (mean, spread, "
                       "inconsistent repeats) stored as a recording with labelled phases.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_device(p, positional_alias=False)
    p.add_argument("-o", "--output", required=True, metavar="FILE.kyr",
                   help="the recording to create; the summary goes to FILE.kyr.json")
    p.add_argument("--subject", default=os.environ.get("KYPHOS_SUBJECT"),
                   help="pseudonymous subject id such as S01 ($KYPHOS_SUBJECT); never a name")
    p.add_argument("--scenario", default=None,
                   help="with --device sim: the simulated wearer's scenario (default assessment)")
    p.add_argument("--seed", type=int, default=None, help="with --device sim: simulation seed")
    add_force(p, "an existing recording and its summary")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def summary_path(output: str) -> Path:
    """Where assess and exercise write their JSON summary: the -o name plus ``.json``."""
    return Path(str(output) + ".json")


def show(u: Any) -> None:
    """Prompts and rep results as lines; live hints on one line on a terminal."""
    if u.kind == "hint":
        if sys.stderr.isatty():
            sys.stderr.write("\r   " + u.text.ljust(40))
            sys.stderr.flush()
        return
    if sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 44 + "\r")
    prefix = {"phase": "\n>> ", "rep": "   ", "done": "\n"}.get(u.kind, "")
    print(f"{prefix}{u.text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from kyphos.assess.protocol import ASSESSMENT
    from kyphos.assess.report import rom_table_text
    from kyphos.assess.run import run_target
    from kyphos.cli.cmd_analyze import _clean
    from kyphos.recording.recorder import check_subject

    target = str(device_of(args))
    check_subject(args.subject)  # before connecting: a name is refused at once
    summary = summary_path(args.output)  # both outputs checked before connecting
    check_output(args.output, force=args.force)
    check_output(summary, force=args.force)
    _run, result = run_target(target, list(ASSESSMENT), None, args.output, kind="assessment",
                              scenario=args.scenario, seed=args.seed, timeout_s=args.timeout,
                              subject=args.subject, overwrite=args.force, on_update=show)
    doc = _clean(result.to_dict())
    write_text(summary, json.dumps(doc, indent=1), force=args.force, inputs=[args.output])
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        print(rom_table_text(result))
        print(f"recording {args.output}; summary {summary}")
    return 0
