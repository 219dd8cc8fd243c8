"""``kyphos sim``: run a virtual board until stopped.

The firmware runs on a simulated board worn by a scenario's person. Its BLE radio is a virtual
air served on a TCP port (bumble HCI over TCP), so bleak in another process (kyphos's bumble
backend, ``$KYPHOS_BUMBLE_TRANSPORT``, default ``tcp-client:127.0.0.1:9741``) finds and uses it
like a real board; with ``--serial`` its USB serial is a pseudo-terminal that pyserial opens
like ``/dev/ttyACM0``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from kyphos.cli.options import add_duration
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos sim                                  # the demo scenario, in real time
  kyphos sim --scenario warehouse --seed 4 --serial
  kyphos sim --speed 10 --fault link_drop@30:5 --fault reboot@90 --truth truth.npz
  KYPHOS_BUMBLE_TRANSPORT=tcp-client:127.0.0.1:9750 kyphos scan   # with --tcp-port 9750"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sim",
        help="run a virtual board (the real firmware on a simulated wearer) until Ctrl-C",
        description="Run the firmware on a virtual board wearing a scenario. Other processes "
        "reach its BLE radio over TCP (bumble) and its USB serial on a pseudo-terminal.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--scenario", default="demo",
                   help="scenario file or bundled name (default demo; see docs/scenarios.md)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="simulated seconds per real second (default 1; 0 = as fast as possible)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed of the simulation (default: the scenario's)")
    p.add_argument("--serial", action="store_true",
                   help="put the board's USB serial on a pseudo-terminal and print its path")
    p.add_argument("--tcp-port", type=int, default=9741,
                   help="TCP port of the virtual radio on 127.0.0.1 (default 9741; 0 = any free)")
    p.add_argument("--fault", action="append", default=[], metavar="KIND@S[:ARG]",
                   help="inject a fault at simulated time S, e.g. link_drop@30:5, slow_link@20:100, "
                   "corrupt@10:3, flash_full@0, low_battery@60:3300, imu_unplugged@40:10, reboot@90 "
                   "(repeatable; docs/virtual-board.md)")
    add_duration(p, "until Ctrl-C")  # seconds of data = simulated seconds
    p.add_argument("--truth", default=None, metavar="FILE",
                   help="write the scenario's ground truth here on exit (.npz, or .json without "
                   "per-sample arrays); its meta.board lists boots, faults and button presses")
    p.add_argument("--runtime", choices=("cpython", "micropython"), default="cpython",
                   help="cpython (default: shims, any --speed, fault injection) or micropython: "
                   "the real MicroPython 1.28 unix port with NimBLE, real time only, BLE only "
                   "(built on first use; docs/virtual-board.md)")
    p.add_argument("--flash-dir", default=None,
                   help="folder kept as the board's flash filesystem (default: a temporary one)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kyphos.sim.clock import run as run_virtual
    from kyphos.sim.faults import parse_flag

    if args.speed < 0:
        raise KyphosError("--speed must be positive (0 = as fast as possible)")
    faults = [parse_flag(f) for f in args.fault]
    if args.truth and not args.truth.endswith((".npz", ".json")):
        raise KyphosError("--truth: the file name must end in .npz or .json")
    try:
        if getattr(args, "runtime", "cpython") == "micropython":
            if args.speed != 1.0:
                raise KyphosError("--speed: the MicroPython runtime runs in real time only")
            if args.serial:
                raise KyphosError("--serial: the MicroPython runtime has BLE only")
            asyncio.run(serve(args, faults))
        else:
            run_virtual(serve(args, faults), speed=args.speed or None)
    except KeyboardInterrupt:
        pass
    return 0


async def serve(args: argparse.Namespace, faults: list[Any]) -> None:
    from kyphos.sim.board import VirtualBoard
    from kyphos.sim.radio import VirtualRadio

    board_cls: Any = VirtualBoard
    extra: dict[str, Any] = {}
    if getattr(args, "runtime", "cpython") == "micropython":
        from kyphos.sim.upy.board import UpyBoard

        board_cls, extra = UpyBoard, {"progress": lambda m: print(m, flush=True)}
    board = board_cls(args.scenario, seed=args.seed, faults=faults, serial=args.serial,
                      fs_root=args.flash_dir, **extra)
    radio = VirtualRadio()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        try:
            port = await radio.serve(args.tcp_port)
        except OSError as exc:
            raise KyphosError(f"cannot listen on 127.0.0.1:{args.tcp_port}: {exc.strerror}") from None
        await board.start(radio)
        while board.device is None and not board.crashes:
            await asyncio.sleep(0.05)
        name = board.device.name if board.device is not None else "?"
        speed = "as fast as possible" if not args.speed else f"{args.speed:g}x real time"
        print(f"virtual board {name} wearing {board.scenario['name']!r} (seed {board.seed}, "
              f"{board.simulator.duration:.0f} s), {speed}", flush=True)
        if hasattr(board, "runtime_text"):
            print(f"runtime     {board.runtime_text}", flush=True)
        print(f"BLE radio   tcp-client:127.0.0.1:{port}  (KYPHOS_BUMBLE_TRANSPORT for bleak; "
              "default 9741)", flush=True)
        if board.serial is not None:
            print(f"USB serial  {board.serial.path}", flush=True)
        for f in board.faults:
            print(f"fault       {f.describe()}", flush=True)
        print("Ctrl-C stops", flush=True)
        if args.duration is not None:
            board.at(args.duration, stop.set)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await board.stop()
        await radio.close()
        if args.flash_dir is None:
            board.cleanup()
        for t, what in board.events:
            print(f"{t:9.2f} s  {what}", flush=True)
        if args.truth:
            path = board.write_truth(args.truth, samples=not args.truth.endswith(".json"))
            print(f"truth       {path}", flush=True)
