"""``kyphos demo``: the whole data path without hardware.

For now the "board" is a synthetic wearer bending forward every 12 s (kyphos.recording.synth);
its frames go through the real protocol code: packed into BLE notifications and split again,
serial-framed (COBS + CRC-16) and deframed again, then recorded to a ``.kyr`` file, loaded, and
summarised as ``kyphos info`` does. The virtual board will replace the synthetic source; the
command and its options stay.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos demo
  kyphos demo --out /tmp/kyphos-demo --duration 120"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run the whole chain without hardware and write a recording",
        description="Simulate a wearer, send the frames through BLE notifications and the "
        "serial framing, record them to a .kyr file, load it and print its summary.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    p.add_argument("--duration", type=float, default=60.0,
                   help="seconds of data to simulate (default 60)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the simulation")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.cli.cmd_info import format_summary, summarize
    from kyphos.protocol.ble import pack_notifications, split_notification
    from kyphos.protocol.frames import encode_frame
    from kyphos.protocol.serial import SerialDeframer, serial_stream
    from kyphos.recording.kyr import KyrWriter, new_header
    from kyphos.recording.synth import synth_frames

    if not 1.0 <= args.duration <= 24 * 3600:
        raise KyphosError("--duration must be between 1 s and 24 h")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KyphosError(f"cannot create {out}: {exc.strerror}") from None
    path = out / "demo.kyr"

    sent = list(synth_frames(args.duration, seed=args.seed))
    frames = [f for _, f in sent]
    # BLE: whole frames per notification, ≤ 182 bytes; split them back on the "host".
    notes = pack_notifications(frames, 182)
    received = [encode_frame(fr) for n in notes for fr in split_notification(n)]
    # USB serial: the same frames through COBS + CRC-16, fed to the deframer in odd chunks.
    stream = serial_stream(frames)
    deframer = SerialDeframer()
    via_serial = []
    for i in range(0, len(stream), 61):
        via_serial += [encode_frame(fr) for fr in deframer.feed(stream[i : i + 61])]
    if received != frames or via_serial != frames or deframer.dropped:
        raise KyphosError("protocol round trip failed: frames changed on the way")

    header = new_header("sim", subject="demo-001", note="kyphos demo: synthetic forward bends")
    with KyrWriter(path, header, overwrite=True) as w:
        for (host_us, _), frame in zip(sent, received, strict=True):
            w.write(frame, host_us)
    print(
        f"sent {len(frames):,} frames in {len(notes):,} BLE notifications "
        f"({len(notes) / args.duration:.1f}/s, ≤ 182 bytes each) and "
        f"{len(stream):,} serial bytes; both arrived intact"
    )
    print(format_summary(summarize(path)))
    print(f"recording  {path}")
    return 0
