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
from pathlib import Path
from typing import Any

from kyphos.cli.options import add_duration, add_force
from kyphos.errors import KyphosError

EPILOG = """examples:
  kyphos sim                                  # the demo scenario, in real time
  kyphos sim --scenario warehouse --seed 4 --serial
  kyphos sim --speed 10 --fault link_drop@30:5 --fault reboot@90 --truth truth.npz
  KYPHOS_BUMBLE_TRANSPORT=tcp-client:127.0.0.1:9750 kyphos scan   # with --tcp-port 9750
  kyphos sim --press short                    # from another terminal: press its button
In its own terminal the running board takes keys: b (or space) presses its button (a short
press opens the pairing window for 60 s), l a long press, d a double press, q stops it."""


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
    add_duration(p, "until Ctrl-C; S counts simulated seconds")
    p.add_argument("--truth", default=None, metavar="FILE",
                   help="write the scenario's ground truth here on exit (.npz, or .json without "
                   "per-sample arrays); its meta.board lists boots, faults and button presses")
    p.add_argument("--runtime", choices=("cpython", "micropython"), default="cpython",
                   help="cpython (default: shims, any --speed, fault injection) or micropython: "
                   "the real MicroPython 1.28 unix port with NimBLE, real time only "
                   "(built on first use; docs/virtual-board.md)")
    add_force(p, "an existing --truth file")
    p.add_argument("--press", choices=sorted(PRESS_KINDS), default=None,
                   help="do not start a board: press the button of the `kyphos sim` already "
                        "running on --tcp-port (e.g. to open its pairing window) and exit")
    p.add_argument("--flash-dir", default=None,
                   help="folder kept as the board's flash filesystem (default: a temporary one, "
                        "with only its bonds and configuration kept between runs)")
    p.set_defaults(func=run)


PRESS_KINDS = {"short", "long", "double"}
KEYS = {"b": "short", " ": "short", "l": "long", "d": "double"}


def kept_dir() -> Path:
    """Where `kyphos sim` keeps its board's bond store and configuration between runs (unless
    --flash-dir keeps the whole flash): beside the CLI's in-process board, ``…/sim-board-server``.
    The host side of a bond is kept by the bumble backend ($KYPHOS_BUMBLE_KEYS), so a restarted
    `kyphos sim` is still paired, as a board switched off and on is."""
    from kyphos.cli.options import sim_state_dir

    d = sim_state_dir()
    return d.with_name(d.name + "-server")


def control_path(port: int, suffix: str) -> Path:
    """Where a running ``kyphos sim`` on ``port`` leaves its pid (``.pid``) and takes button
    presses from ``kyphos sim --press`` (``.press``): beside the CLI's kept virtual board."""
    from kyphos.cli.options import sim_state_dir

    return sim_state_dir().parent / f"sim-{port}{suffix}"


def press_running(port: int, kind: str) -> int:
    """``kyphos sim --press KIND``: write the press, signal the running sim (SIGUSR1)."""
    import os

    pid_file = control_path(port, ".pid")
    try:
        pid = int(pid_file.read_text().strip())
        control_path(port, ".press").write_text(kind)
        os.kill(pid, signal.SIGUSR1)
    except (OSError, ValueError):
        raise KyphosError(f"no `kyphos sim` running on port {port} (no {pid_file}): start one, "
                          "or give its --tcp-port") from None
    print(f"pressed the button of the virtual board on port {port} ({kind} press)")
    return 0


def run(args: argparse.Namespace) -> int:
    from kyphos.sim.clock import run as run_virtual
    from kyphos.sim.faults import parse_flag

    if args.press:
        return press_running(args.tcp_port, args.press)

    if args.speed < 0:
        raise KyphosError("--speed must be positive (0 = as fast as possible)")
    faults = [parse_flag(f) for f in args.fault]
    if args.truth and not args.truth.endswith((".npz", ".json")):
        raise KyphosError("--truth: the file name must end in .npz or .json")
    if args.truth:
        from kyphos.fileio import check_output

        check_output(args.truth, force=args.force, what="--truth file")  # before the run
    try:
        if getattr(args, "runtime", "cpython") == "micropython":
            if args.speed != 1.0:
                raise KyphosError("--speed: the MicroPython runtime runs in real time only")
            asyncio.run(serve(args, faults))
        else:
            run_virtual(serve(args, faults), speed=args.speed or None)
    except KeyboardInterrupt:
        pass
    return 0


async def serve(args: argparse.Namespace, faults: list[Any]) -> None:
    from kyphos.sim.board import VirtualBoard
    from kyphos.sim.radio import VirtualRadio
    from kyphos.transport.sim import restore_kept, save_kept

    board_cls: Any = VirtualBoard
    extra: dict[str, Any] = {}
    if getattr(args, "runtime", "cpython") == "micropython":
        from kyphos.sim.upy.board import UpyBoard

        board_cls, extra = UpyBoard, {"progress": lambda m: print(m, flush=True)}
    board = board_cls(args.scenario, seed=args.seed, faults=faults, serial=args.serial,
                      fs_root=args.flash_dir, **extra)
    keep = None if args.flash_dir else kept_dir()  # its bond store and config, like a board
    if keep is not None:
        restore_kept(keep, board.fs_root)
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
        controls = _Controls(board, port, stop)
        controls.start(loop)
        print(controls.hint, flush=True)
        if args.duration is not None:
            board.at(args.duration, stop.set)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        if "controls" in locals():
            controls.close(loop)
        if keep is not None:
            await board.settle_bonds()  # the firmware's housekeeping writes new bonds
        await board.stop()
        await radio.close()
        if keep is not None:
            save_kept(keep, board.fs_root)
        if args.flash_dir is None:
            board.cleanup()
        for t, what in board.events:
            print(f"{t:9.2f} s  {what}", flush=True)
        if args.truth:
            from kyphos.fileio import atomic_path

            with atomic_path(args.truth, force=args.force, what="--truth file") as tmp:
                board.write_truth(tmp, samples=not args.truth.endswith(".json"))
            print(f"truth       {args.truth}", flush=True)


class _Controls:
    """The running board's button from its own terminal (keys, when stdin is a terminal) and
    from ``kyphos sim --press`` in another one (a press file and SIGUSR1, found by a pid file
    named after the radio's port)."""

    def __init__(self, board: Any, port: int, stop: asyncio.Event) -> None:
        self.board = board
        self.port = port
        self.stop = stop
        self._tty: list[Any] | None = None
        self.hint = f"Ctrl-C stops; `kyphos sim --press short --tcp-port {port}` presses its button"

    def press(self, kind: str) -> None:
        press = getattr(self.board, "press", None)
        if press is None:
            print("this board has no button", flush=True)
            return
        press(kind)
        print(f"button: {kind} press" + (" (pairing window open for 60 s)" if kind == "short"
                                          else ""), flush=True)

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        import os
        import sys

        pid_file = control_path(self.port, ".pid")
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(str(os.getpid()))
        loop.add_signal_handler(signal.SIGUSR1, self._on_signal)
        if sys.stdin.isatty():
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._tty = termios.tcgetattr(fd)
            tty.setcbreak(fd)  # one key at a time, no echo; Ctrl-C still signals
            loop.add_reader(fd, self._on_key)
            self.hint = ("keys: b press the button (opens pairing for 60 s), l long press, "
                         "d double press, q stop; Ctrl-C stops")

    def _on_signal(self) -> None:
        path = control_path(self.port, ".press")
        try:
            kind = path.read_text().strip()
            path.unlink()
        except OSError:
            kind = "short"
        self.press(kind if kind in PRESS_KINDS else "short")

    def _on_key(self) -> None:
        import os
        import sys

        key = os.read(sys.stdin.fileno(), 1).decode(errors="replace").lower()
        if key == "q":
            self.stop.set()
        elif key in KEYS:
            self.press(KEYS[key])

    def close(self, loop: asyncio.AbstractEventLoop) -> None:
        import os
        import sys

        loop.remove_signal_handler(signal.SIGUSR1)
        if self._tty is not None:
            import termios

            loop.remove_reader(sys.stdin.fileno())
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._tty)
        for suffix in (".pid", ".press"):
            path = control_path(self.port, suffix)
            try:
                if suffix == ".press" or path.read_text().strip() == str(os.getpid()):
                    path.unlink()
            except OSError:
                pass
