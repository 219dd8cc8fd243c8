"""``kyphos exercise``: a home exercise session from a programme file (docs/assessment.md)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from kyphos.cli.options import add_device, add_force, device_of
from kyphos.fileio import check_output, write_text

EPILOG = """examples:
  kyphos exercise --program seated_thoracic_extension --device sim -o ex1.kyr
  kyphos exercise --program my_programme.json --device kyphos-3A4F -o 2026-11-30.kyr --subject S01
  kyphos exercise --list
Bundled programmes: seated_thoracic_extension, seated_rotation, cat_camel, side_bends. Reps are
counted automatically; feedback says "go further", "hold 3 s" or "slower". The session summary
is written to FILE.kyr.json (the -o name plus .json); existing files are kept unless --force.
With --device sim the virtual board wears the programme's scenario."""


def register(sub: Any) -> None:
    p = sub.add_parser("exercise", help="run a home exercise programme: count reps, live feedback",
                       description="Run an exercise programme file: per exercise a neutral "
                       "phase, then the reps, each measured (range, hold, tempo) against the "
                       "programme's targets with live feedback; saves a recording and a summary.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_device(p, positional_alias=False)
    p.add_argument("--program", "-p", help="programme file (.json) or bundled programme name")
    p.add_argument("-o", "--output", metavar="FILE.kyr",
                   help="the recording to create; the summary goes to FILE.kyr.json")
    p.add_argument("--subject", default=os.environ.get("KYPHOS_SUBJECT"),
                   help="pseudonymous subject id such as S01 ($KYPHOS_SUBJECT); never a name")
    p.add_argument("--scenario", default=None,
                   help="with --device sim: the simulated wearer (default: the programme's)")
    p.add_argument("--seed", type=int, default=None, help="with --device sim: simulation seed")
    add_force(p, "an existing recording and its summary")
    p.add_argument("--check", action="store_true", help="only validate the programme file")
    p.add_argument("--list", action="store_true", help="list the bundled programmes")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.assess.live import program_phases
    from kyphos.assess.program import list_programs, load_program
    from kyphos.assess.report import exercise_table_text
    from kyphos.assess.run import run_target
    from kyphos.cli.cmd_analyze import _clean
    from kyphos.cli.cmd_assess import show, summary_path
    from kyphos.errors import KyphosError
    from kyphos.recording.recorder import check_subject

    if args.list:
        for name in list_programs():
            prog = load_program(name)
            print(f"{name:28s} {prog.name} ({len(prog.exercises)} exercise(s))")
        return 0
    if not args.program:
        raise KyphosError("no programme given: pass --program FILE (kyphos exercise --list)")
    prog = load_program(args.program)
    if args.check:
        print(f"{args.program}: ok — {prog.name}, {len(prog.exercises)} exercise(s)")
        return 0
    if not args.output:
        raise KyphosError("no output given: pass -o FILE.kyr")
    target = str(device_of(args))
    check_subject(args.subject)  # before connecting: a name is refused at once
    summary = summary_path(args.output)  # both outputs checked before connecting
    check_output(args.output, force=args.force)
    check_output(summary, force=args.force)
    phases, targets = program_phases(prog)
    _run, result = run_target(target, phases, targets, args.output, kind="exercise",
                              scenario=args.scenario or prog.scenario or None, seed=args.seed,
                              timeout_s=args.timeout, subject=args.subject,
                              program=prog.to_dict(), overwrite=args.force, on_update=show)
    doc = _clean({"program": prog.to_dict(), **result.to_dict()})
    write_text(summary, json.dumps(doc, indent=1), force=args.force, inputs=[args.output])
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        print(exercise_table_text(result))
        print(f"recording {args.output}; summary {summary}")
    return 0
