"""``kyphos analyze FILE``: trunk angles, posture metrics, lifts and risk of a recording."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos analyze session.kyr
  kyphos analyze session.kyr --json > session.json
  kyphos analyze imu.csv --acc-unit g --gyr-unit deg/s --json
  kyphos analyze session.kyr --calibrate-upright 2 6 --calibrate-bend 8 12 --load-kg 12 --distance-m 0.4
  kyphos analyze other-imu.csv --axes=-x,-y,z
  kyphos analyze session.kyr --hip-height-m 0.92    # or --height-m 1.74: lift style per leg length
                                                    # (more certain; without it the output says so)

The output starts with whether the result is valid and why not (a sample rate below 20 Hz,
less than 60 s of wear, no trustworthy upright reference, gravity not 9.81 m/s²); below that
bar there is no score and no advice (docs/scoring.md section 11). CSV units and axes that are
not given are read from the data when that is unambiguous (and said so), else the command stops
naming the flag to give (docs/recording.md). Exit status 0 when a result is printed, valid or
not (check "valid" in the JSON); 1 when nothing could be analysed (one "kyphos: ..." line says
why).
"""


def add_csv_unit_options(p: argparse.ArgumentParser, time_column: str = "t_s column") -> None:
    """--acc-unit, --gyr-unit, --time-unit, --axes: the units and axes of a CSV recording
    (analyze, export, report, compare, review); read back with :func:`csv_load_options`.
    Left out, each is read from the data when that is unambiguous (kyphos.recording.units)."""
    p.add_argument("--acc-unit", choices=["m/s2", "g", "mg"],
                   help="CSV only: accelerometer unit (default: from gravity at rest, else m/s2)")
    p.add_argument("--gyr-unit", choices=["rad/s", "deg/s"],
                   help="CSV only: gyroscope unit (default: from the data, else rad/s)")
    p.add_argument("--time-unit", choices=["s", "ms", "us"],
                   help=f"CSV only: unit of the {time_column} (default: from the sample step, "
                        "else s)")
    p.add_argument("--axes", metavar="X,Y,Z",
                   help="CSV only: the file's axes that point along kyphos x (towards the head), "
                        "y (to the wearer's left) and z (out of the back), with signs; write it "
                        "with '=': --axes=-x,-y,z for an IMU with x towards the feet "
                        "(default: from the data, else x,y,z)")


def csv_load_options(args: argparse.Namespace, is_csv: bool) -> dict[str, Any]:
    """kyphos.load keywords: the CSV units for a CSV file, nothing for other formats."""
    if not is_csv:
        return {}
    return {"acc_unit": args.acc_unit, "gyr_unit": args.gyr_unit, "time_unit": args.time_unit,
            "axes": getattr(args, "axes", None)}


def add_input_options(p: argparse.ArgumentParser) -> None:
    """Options shared by analyze and export: input units (CSV) and calibration."""
    p.add_argument("file", help="recording: .kyr, board log, or .csv (t_s,ax,ay,az,gx,gy,gz)")
    add_csv_unit_options(p)
    p.add_argument("--calibration", default="session", choices=["session", "auto", "nominal"],
                   help="session: use the recording's calibration (else automatic); auto: find "
                        "upright and forward bends in the data; nominal: assume ideal mounting")
    p.add_argument("--calibrate-upright", nargs=2, type=float, metavar=("T0", "T1"),
                   help="upright-standing window in s from the start of the recording")
    p.add_argument("--calibrate-bend", nargs=2, type=float, metavar=("T0", "T1"),
                   help="forward-bend window in s (starts upright), with --calibrate-upright")


def load_and_analyze(args: argparse.Namespace, chunked: bool = False, **extra: Any) -> Any:
    """Load ``args.file`` and return ``(session, analysis)``. ``chunked``: a ``.kyr`` file
    longer than ``kyphos.chunked.AUTO_ABOVE_S`` is analysed in chunks (bounded memory, the same
    JSON; no session is loaded and None is returned for it, and the analysis keeps no
    per-sample arrays but flexion) unless ``args.whole``."""
    import kyphos
    from kyphos.analysis import analyze

    calib: Any = None if args.calibration == "session" else args.calibration
    if args.calibrate_bend and not args.calibrate_upright:
        raise KyphosError("--calibrate-bend needs --calibrate-upright too")
    if args.calibrate_upright:
        calib = {"upright": tuple(args.calibrate_upright),
                 "bend": tuple(args.calibrate_bend) if args.calibrate_bend else None}
    kw = csv_load_options(args, str(args.file).lower().endswith(".csv"))
    if chunked and not getattr(args, "whole", False) and not kw:
        from kyphos.chunked import long_recording

        try:
            reader = long_recording(args.file)
        except FileNotFoundError as exc:
            raise KyphosError(f"no such file: {args.file}") from exc
        if reader is not None:
            from kyphos.chunked import analyze_chunked

            return None, analyze_chunked(reader, calibration=calib, **extra)
    try:
        session = kyphos.load(args.file, **kw)
    except FileNotFoundError as exc:
        raise KyphosError(f"no such file: {args.file}") from exc
    return session, analyze(session, calibration=calib, **extra)


def _clean(x: Any) -> Any:
    """JSON-safe: NaN/inf → null, numpy scalars → Python."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _f(v: Any, fmt: str, none: str = "-") -> str:
    return none if v is None else format(v, fmt)


def _text(d: dict[str, Any]) -> str:
    """The text summary: validity and warnings first, then only what the validity allows."""
    from kyphos.recording.quality import describe
    from kyphos.views.recommend import risk_band

    lines = ["valid: yes" if d.get("valid", True) else
             "valid: NO — no score and no advice for this recording:"]
    lines += [f"  ! {w}" for w in d.get("warnings", [])]
    c = d["calibration"]
    lines.append(f"duration {d['duration_s'] / 60:.1f} min; calibration {c['method']} "
                 f"(confidence {c['confidence']:.2f}); "
                 + (describe(d["data_quality"]) if "data_quality" in d else ""))
    p = d["posture"]
    z = p.get("zones_pct")
    score = p.get("score")
    if z is not None:
        lines.append(
            f"posture score {_f(score, '.0f')}/100; flexion: extension {z['extension']:.1f}%, "
            f"0-20° {z['0_20']:.1f}%, 20-60° {z['20_60']:.1f}%, >60° {z['over_60']:.1f}%")
        lines.append(
            f"slouch episodes {len(d.get('slouch_episodes', p.get('slouch_episodes')) or [])} "
            f"({_f(p.get('slouch_pct'), '.1f')}% of the time); holding-time violations "
            f"{len(p.get('holding_violations') or [])}")
    else:
        lines.append("posture: not shown (the angles cannot be trusted)")
    risk = d.get("risk")
    if risk is None:
        lines.append("lifts: not shown (see above)")
    else:
        idx = risk.get("index")
        band = f" ({risk_band(idx)})" if idx is not None else ""
        lines.append(
            f"lifts {len(d['lifts'])} ({_f(d.get('lift_rate_per_h'), '.0f')}/h), good form "
            + (f"{d['good_form_pct']:.0f}%" if d.get("good_form_pct") is not None else "-")
            + f"; risk index {_f(idx, '.2f')}{band}")
        rule = d.get("style_rule")
        if d["lifts"] and rule:  # what named the styles; without a hip height, less certain
            lines.append(f"  style by {rule['by']}" + (f" ({rule['note']})" if rule.get("note")
                                                       else ""))
            if rule.get("later_bends_from_s"):  # a later c's guided bend: its lever from then
                what = "lever" if "closed-bend" in rule["by"] else "trunk link"
                lines.append(f"  with the {what} of a later calibration's bend from "
                             + ", ".join(f"{t:.0f} s" for t in rule["later_bends_from_s"]))
    for i, lf in enumerate(d["lifts"], 1):
        lines.append(
            f"  {i:3d} {lf['start_s']:8.1f}s {lf['style']:10s} flex {lf['peak_flexion_deg']:5.1f}° "
            f"twist {lf['twist_deg']:+5.1f}° score {_f(lf['score'], '5.1f', '    -')}  "
            f"{'; '.join(lf['reasons'])}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from kyphos.views.recommend import risk_band

    _, a = load_and_analyze(args, chunked=True, load_kg=args.load_kg, distance_m=args.distance_m,
                            hip_height_m=args.hip_height_m, height_m=args.height_m)
    d = _clean(a.to_dict())
    if isinstance(d.get("risk"), dict) and d["risk"].get("index") is not None:
        d["risk"]["band"] = risk_band(d["risk"]["index"])
    if args.json:
        print(json.dumps(d, ensure_ascii=False))
    else:
        print(_text(d))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "analyze",
        help="trunk angles, posture metrics, lifts and risk of a recording",
        description="Analyse a recording: posture zones and score, slouch episodes, lifts with "
        "style and form score, and a kinematic risk index. Method and sources: docs/scoring.md.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(p)
    p.add_argument("--json", action="store_true", help="print the full result as one JSON object")
    p.add_argument("--load-kg", type=float, help="typical load lifted, kg (risk moment term)")
    p.add_argument("--distance-m", type=float,
                   help="typical horizontal distance of the load from the spine, m (moment term)")
    from kyphos.cli.cmd_report import add_wearer_options

    add_wearer_options(p)
    p.add_argument("--whole", action="store_true",
                   help="analyse the whole recording in memory (default: a .kyr file longer than "
                        "2 h is analysed in 30-min chunks, same results, bounded memory)")
    p.set_defaults(func=run)
