"""The virtual board: the firmware in ``firmware/``, unmodified, on a simulated body.

    loop = VirtualTimeLoop(speed=None)           # kyphos.sim.clock: fast mode
    async def main():
        radio = VirtualRadio()
        board = VirtualBoard("demo", seed=1)
        await board.start(radio)                 # boots the firmware (app.main) as a task
        ...                                      # bleak on radio.central(), faults, …
        await board.stop()

What the board wires up before it boots the firmware:

- the shims (``kyphos.sim.shims.install``) with a clock that reads the event loop's time,
  restarting at 0 on every boot as a board's ``ticks_us`` does;
- a register-level IMU chip model (``kyphos.sim.chips``) on the profile's I2C bus, whose samples
  come from the scenario's streaming simulator (``kyphos.sim.scenario.Simulator``): the sensor
  frame is turned into the chip's own axes by the inverse of the firmware's axis remap, so the
  remap in the firmware is exercised; the chip keeps running (and its FIFO filling) across a
  firmware reboot, as a real IMU on the same supply does;
- the flash filesystem as a folder (``fs_root``) with a capacity, reported by ``statvfs``;
- the button on the profile's pin, pressed at the times the scenario says;
- the battery ADC, fed by a discharge model (start voltage, mV per hour, divider);
- BLE on a :class:`~kyphos.sim.radio.VirtualRadio` (the ``bluetooth`` shim on bumble);
- the USB serial on a real pseudo-terminal (:class:`~kyphos.sim.pty.PtySerial`) if asked.

Faults (:mod:`kyphos.sim.faults`) are methods here and can be scheduled at scenario times.
Scenario time 0 is the moment the board powers up, which is also device time 0 of its first
boot, so the ground truth (:meth:`write_truth`) lines up with the recording's device clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import inspect
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from kyphos.sim import shims
from kyphos.sim.faults import PRESSES, BoardScript, Fault, load_board_scenario

_CHIP_CLASSES = {"LSM6DSOX": "LSM6DSOX", "LSM6DS3TR-C": "LSM6DS3TRC", "MPU-6050": "MPU6050",
                 "MPU-6500": "MPU6500"}
_CHIP_ADDRESS = {"LSM6DSOX": 0x6A, "LSM6DS3TR-C": 0x6A, "MPU-6050": 0x68, "MPU-6500": 0x68}
_FLASH_BYTES = 6 * 1024 * 1024  # a 8 MB module's MicroPython filesystem partition, about
_BLOCK = 4096  # LittleFS block size on the ESP32 port
_FEED_CHUNK = 1024  # samples pulled from the simulator at a time
_SUPERVISION_TIMEOUT = 0x08  # HCI reason a central reports when a board goes silent
_WDT_MS = 8000  # the watchdog app.run() starts on a board
DEFAULT_ADDRESS = "C4:11:22:33:3A:4F"
DEFAULT_UID = bytes.fromhex("240ac43a4f01")


class BoardClock:
    """The shims' clock for the board: the loop's time, 0 at the latest boot."""

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.boot_us = int(loop.time() * 1e6)

    def now_us(self) -> int:
        return int(self.loop.time() * 1e6) - self.boot_us

    def sleep_us(self, us: int) -> None:
        if us <= 0:
            return
        advance = getattr(self.loop, "advance", None)
        speed = getattr(self.loop, "speed", 1.0)
        if advance is not None and speed is None:
            advance(us / 1e6)
        else:
            import time

            time.sleep(us / 1e6 / (speed or 1.0))


class SensorFeed:
    """The chip's sample source: scenario samples in the chip's axes, by chip time.

    ``remap`` is the firmware's (sensor axis i = sign * chip axis |remap[i]|); this applies
    its inverse. Samples are the simulator's analog values (all chip errors, before
    quantisation): the chip model quantises at its register-configured full scale. Time is
    matched to the nearest scenario sample; before the start and after the end the first and
    last samples hold.
    """

    def __init__(self, simulator: Any, remap: tuple[int, int, int] = (1, 2, 3)) -> None:
        self.sim = simulator
        self.fs = float(simulator.fs)
        perm = np.zeros((3, 3))
        for i, r in enumerate(remap):
            perm[abs(r) - 1, i] = 1.0 if r > 0 else -1.0  # chip = perm @ sensor
        self._perm = perm
        self._start = 0
        self._rows: list[tuple[float, ...]] = []
        self._last: tuple[float, ...] | None = None
        self.served = 0

    def _load(self, index: int) -> bool:
        while index >= self._start + len(self._rows):
            chunk = self.sim.read(_FEED_CHUNK)
            if len(chunk) == 0:
                return False
            rows = np.hstack([chunk.acc_analog @ self._perm.T, chunk.gyr_analog @ self._perm.T])
            self._start = chunk.start
            self._rows = [tuple(r) for r in rows.tolist()]
        return True

    def __call__(self, t_s: float) -> tuple[float, ...]:
        i = max(0, int(t_s * self.fs + 0.5))
        self.served += 1
        if i < self._start and self._rows:  # asked for the past: hold the oldest we have
            return self._rows[0]
        if not self._load(i):
            if self._last is None:
                self._last = self._rows[-1] if self._rows else (0.0, 0.0, 9.80665, 0.0, 0.0, 0.0)
            return self._last
        return self._rows[i - self._start]


class _ChipOnBus:
    """The chip as the I2C shim sees it: chip time runs from board power-up, not from boot."""

    def __init__(self, chip: Any, board: VirtualBoard) -> None:
        object.__setattr__(self, "_chip", chip)
        object.__setattr__(self, "_board", board)

    def advance_to(self, t_us: float) -> None:
        self._chip.advance_to(self._board.power_us())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chip, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._chip, name, value)


class Battery:
    """A LiPo cell draining linearly in voltage (a simple, monotone model) behind a divider."""

    def __init__(self, start_mv: float, drain_mv_per_h: float) -> None:
        self.start_mv = start_mv
        self.drain_mv_per_h = drain_mv_per_h
        self.forced_mv: float | None = None

    def mv(self, t_s: float) -> float:
        if self.forced_mv is not None:
            return self.forced_mv
        return max(3000.0, self.start_mv - self.drain_mv_per_h * t_s / 3600.0)


class FlashFolder:
    """The board's flash filesystem: a host folder with a capacity (``statvfs`` reports it).

    Files opened through :meth:`open` (the flash log's, which the firmware is handed as
    ``flash_open``) are costed by the LittleFS model in :mod:`kyphos.sim.flashfs`: erases and
    programs are counted in ``model.stats`` and stall the board's clock while they run.
    """

    def __init__(self, root: Path, capacity: int = _FLASH_BYTES,
                 stall: Callable[[int], None] | None = None) -> None:
        from kyphos.sim.flashfs import LittleFsModel

        self.root = root
        self.capacity = capacity
        self.model = LittleFsModel(stall=stall)

    def open(self, path: str, mode: str = "r") -> Any:
        """``open()`` as the firmware sees it on LittleFS (binary modes only)."""
        from kyphos.sim.flashfs import LfsFile

        writable = any(c in mode for c in "wa+")
        created = writable and ("w" in mode or not os.path.exists(path))
        raw = open(path, mode)  # noqa: SIM115 - handed to the caller inside LfsFile
        directory = os.path.dirname(path)
        if created:
            self.model.created(path, directory)
        return LfsFile(raw, path, directory, self.model, writable)

    def used(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.root):
            for f in files:
                try:
                    size = os.path.getsize(os.path.join(dirpath, f))
                except OSError:
                    continue
                total += -(-size // _BLOCK) * _BLOCK  # whole blocks, as LittleFS allocates
        return total

    def statvfs(self, path: str = "/") -> tuple[int, ...]:
        """MicroPython's 10-tuple: bsize, frsize, blocks, bfree, bavail, files, ffree, favail,
        flag, namemax."""
        blocks = self.capacity // _BLOCK
        free = max(0, (self.capacity - self.used()) // _BLOCK)
        return (_BLOCK, _BLOCK, blocks, free, free, 0, 0, 0, 0, 255)

    def fill(self) -> None:
        """No room beyond what is used now (the flash-full fault)."""
        self.capacity = self.used()


def drop_links(link: Any, controller: Any) -> None:
    """The board's ``controller`` goes silent: each central connected to it sees a supervision
    timeout, and the controller keeps no connection. Shared by the CPython board and the
    MicroPython runtime's (:class:`kyphos.sim.upy.board.UpyBoard`)."""
    for connection in list(controller.le_connections.values()):
        peer = link.find_le_controller(connection.peer_address)
        if peer is None:
            continue
        for peer_conn in list(peer.le_connections.values()):
            if peer_conn.peer_address == connection.self_address:
                peer.on_le_disconnected(peer_conn, _SUPERVISION_TIMEOUT)
    controller.le_connections.clear()


class VirtualBoard:
    """One simulated kyphos board wearing a scenario (see the module docstring)."""

    def __init__(
        self,
        scenario: str | Path | dict[str, Any] = "demo",
        *,
        seed: int | None = None,
        faults: list[Fault] | None = None,
        serial: bool = False,
        fs_root: str | Path | None = None,
        address: str = DEFAULT_ADDRESS,
        unique_id: bytes = DEFAULT_UID,
        board: str = "virtual",
        remap: tuple[int, int, int] | None = None,
        chip: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        from kyphos.sim.scenario import Simulator, validate

        if isinstance(scenario, dict):
            from kyphos.sim.faults import split_board

            rest, script = split_board(scenario)
            self.scenario = validate(rest, str(rest.get("name") or "scenario"))
        else:
            self.scenario, script = load_board_scenario(scenario)
        self.script: BoardScript = script
        self.faults = sorted([*script.faults, *(faults or [])], key=lambda f: f.at_s)
        self.seed = int(self.scenario["seed"] if seed is None else seed)
        self.chip_name = chip or self.scenario["sensor"]["chip"]
        self.simulator = Simulator(self.scenario, seed=self.seed, chip=self.chip_name)
        self.address = address
        self.unique_id = unique_id
        self.board_name = board
        self.remap = remap
        self.config = dict(config or {})
        self._own_fs = fs_root is None
        self.fs_root = Path(fs_root) if fs_root else Path(tempfile.mkdtemp(prefix="kyphos-flash-"))
        self.flash = FlashFolder(self.fs_root, stall=self._flash_stall)
        self.battery = Battery(script.start_mv, script.drain_mv_per_h)
        self.serial = None
        if serial:
            from kyphos.sim.pty import PtySerial

            self.serial = PtySerial()
        self.radio: Any = None
        self.ble: Any = None
        self.chip: Any = None
        self.feed: SensorFeed | None = None
        self.loop: Any = None
        self.clock: BoardClock | None = None
        self.task: asyncio.Task[Any] | None = None
        self.device: Any = None  # the firmware's app.Device of the current boot
        self._old_clock: Any = None
        self.boots = 0
        self.crashes: list[BaseException] = []
        self.events: list[tuple[float, str]] = []  # (scenario s, what happened): faults, boots
        self._power_t0 = 0.0
        self._handles: list[asyncio.TimerHandle] = []
        self._imu_present = True
        self._stopping = False
        self._profile: dict[str, Any] = {}
        self._battery_task: asyncio.Task[None] | None = None

    # -- time ---------------------------------------------------------------------------
    def now_s(self) -> float:
        """Scenario time: seconds since the board powered up."""
        return float(self.loop.time() - self._power_t0) if self.loop else 0.0

    def power_us(self) -> float:
        return self.now_s() * 1e6

    # -- life cycle -----------------------------------------------------------------------
    async def start(self, radio: Any) -> None:
        """Power up on ``radio`` (a VirtualRadio) and boot the firmware as a task."""
        from kyphos.sim import chips
        from kyphos.sim.shims import bluetooth as bt_shim

        self.loop = asyncio.get_running_loop()
        self.radio = radio
        self._power_t0 = self.loop.time()
        self.clock = BoardClock(self.loop)
        self._old_clock = shims.get_clock()
        shims.install(self.clock)
        bt_shim.install()
        import boards  # firmware module (on sys.path after install)
        import machine

        self._profile = boards.get(self.board_name)
        if self.remap is None:
            self.remap = tuple(self._profile.get("imu_remap", (1, 2, 3)))  # type: ignore[assignment]
        machine.reset_state()
        machine.set_unique_id(self.unique_id)
        machine.set_reset_cause(machine.PWRON_RESET)
        self.feed = SensorFeed(self.simulator, self.remap)  # type: ignore[arg-type]
        cls = getattr(chips, _CHIP_CLASSES[self.chip_name])
        self.chip = cls(_CHIP_ADDRESS[self.chip_name], source=self.feed)
        self._wire_hardware()
        self._write_config()
        if self.serial is not None:
            self.serial.attach(self.loop)
        for fault in self.faults:
            self.at(fault.at_s, functools.partial(self.inject, fault))
        for button in self.script.buttons:
            self.at(button.at_s, functools.partial(self.press, button.press))
        self._battery_task = self.loop.create_task(self._battery_loop())
        await self._boot()

    def at(self, t_s: float, fn: Callable[[], Any]) -> None:
        """Call ``fn`` at scenario time ``t_s`` (coroutines are run as tasks)."""

        def fire() -> None:
            out = fn()
            if inspect.iscoroutine(out):
                self.loop.create_task(out)

        self._handles.append(self.loop.call_at(self._power_t0 + t_s, fire))

    def _wire_hardware(self) -> None:
        import machine

        p = self._profile
        if self._imu_present:
            machine.attach(p["i2c_bus"], _ChipOnBus(self.chip, self))
            if p.get("imu_int") is not None:  # the chip's INT1 line on the profile's pin
                self.chip.on_int1 = lambda level, pin=p["imu_int"]: machine.drive(pin, level)
        if p.get("button") is not None:
            machine.drive(p["button"], 1 if p["button_active_low"] else 0)
        self._update_adc()

    def _write_config(self) -> None:
        """Put the board's config (e.g. board profile) on flash before the first boot."""
        import json

        path = self.fs_root / "config.json"
        if path.exists():
            return
        cfg = {"board": self.board_name, **self.config}
        path.write_text(json.dumps(cfg))

    async def _boot(self) -> None:
        import machine

        assert self.radio is not None and self.clock is not None
        self.clock.boot_us = int(self.loop.time() * 1e6)
        self.ble = await self.radio.peripheral(self.address)
        app = self._fresh_app()
        self.boots += 1
        self.events.append((self.now_s(), f"boot {self.boots} (cause {machine.reset_cause()})"))
        self.task = self.loop.create_task(self._run_app(app))

    def _fresh_app(self) -> Any:
        """Import the firmware afresh: a reboot forgets every module's state, as RAM does."""
        fw = str(shims.FIRMWARE_DIR)
        for name, mod in list(sys.modules.items()):
            f = getattr(mod, "__file__", None) or ""
            if f.startswith(fw):
                del sys.modules[name]
        return importlib.import_module("app")

    def _app_kwargs(self, app: Any) -> dict[str, Any]:
        offered: dict[str, Any] = {
            "fs_root": str(self.fs_root),
            "serial": (self.serial, self.serial) if self.serial is not None else None,
            "ble": self.ble,
            "wdt_ms": _WDT_MS,
            "on_device": self._on_device,
            # The flash log asks the filesystem for free space: answer for the board's flash.
            "statvfs": self.flash.statvfs,
            "flash_open": self.flash.open,
        }
        params = inspect.signature(app.main).parameters
        return {k: v for k, v in offered.items() if k in params}

    def _flash_stall(self, us: int) -> None:
        """A flash erase or program holds up the whole firmware (see kyphos.sim.flashfs)."""
        if self.clock is not None:
            self.clock.sleep_us(us)

    def _on_device(self, dev: Any) -> None:
        self.device = dev

    async def _run_app(self, app: Any) -> None:
        import machine

        try:
            await app.main(**self._app_kwargs(app))
        except asyncio.CancelledError:
            raise
        except machine.ResetRequested:
            if not self._stopping:
                self.loop.create_task(self._reboot(None))
        except Exception as exc:  # a crash: main.py on a board saves it and resets
            self.crashes.append(exc)
            self.events.append((self.now_s(), f"crash: {exc!r}"))
            import crashlog

            crashlog.save(exc, str(self.fs_root / "crash.txt"))
            if not self._stopping:  # main.py waits 2 s before machine.reset()
                self.loop.call_later(2.0, lambda: self.loop.create_task(
                    self._reboot(machine.HARD_RESET)) if not self._stopping else None)

    async def _reboot(self, cause: int | None) -> None:
        """Reset: the firmware stops, BLE links drop, the board boots again."""
        import machine

        task = self.task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._radio_off()
        if cause is not None:
            machine.set_reset_cause(cause)
        machine.reset_state()
        self._wire_hardware()
        await asyncio.sleep(0.3)  # boot time of the ESP32 and MicroPython
        await self._boot()

    async def _radio_off(self) -> None:
        from kyphos.sim.shims import bluetooth as bt_shim

        link = self.radio.link
        for controller in list(link.controllers):
            if str(getattr(controller, "name", "")) != f"board-{self.address}":
                continue
            drop_links(link, controller)
            link.remove_controller(controller)
        await bt_shim.detach()

    async def settle_bonds(self, timeout_s: float = 5.0) -> bool:
        """Until the firmware has written its new bond keys to flash (its housekeeping task
        does, every ``_HOUSE_MS``: ``firmware/app.py``, ``ble.save_bonds``), so a board
        powered off next keeps them. True once nothing is left to write; False after
        ``timeout_s``. It watches the firmware's own dirty flag rather than sleeping a fixed
        time, which a stalled event loop could outlast."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout_s
        while True:
            ble = getattr(self.device, "ble", None)
            if ble is None or not getattr(ble, "_bonds_dirty", False):
                return True
            if loop.time() >= end or self.task is None or self.task.done():
                return False
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Power off: cancel the firmware and the board's timers; close the pty."""
        self._stopping = True
        for h in self._handles:
            h.cancel()
        tasks = [t for t in (self.task, self._battery_task) if t is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.radio is not None:
            await self._radio_off()
        if self.serial is not None:
            self.serial.close()
        if self._old_clock is not None:
            shims.set_clock(self._old_clock)

    def cleanup(self) -> None:
        """Remove the flash folder if the board made it."""
        if self._own_fs:
            shutil.rmtree(self.fs_root, ignore_errors=True)

    # -- inputs ---------------------------------------------------------------------------
    async def _battery_loop(self) -> None:
        """Once a second: the battery voltage, and the watchdog (a starved one resets)."""
        import machine

        while True:
            self._update_adc()
            if machine.wdt_expired() and self.task is not None and not self.task.done():
                self.events.append((self.now_s(), "watchdog expired"))
                await self._reboot(machine.WDT_RESET)
            await asyncio.sleep(1.0)

    def _update_adc(self) -> None:
        import machine

        p = self._profile
        if p.get("batt_adc") is None:
            return
        mv = self.battery.mv(self.now_s())
        machine.set_adc_uv(p["batt_adc"], int(mv * 1000 * 1000 / p["batt_divider_x1000"]))

    def press(self, kind: str = "short") -> None:
        """Press the board's button: short, long or double."""
        import machine

        p = self._profile
        pin = p.get("button")
        if pin is None:
            return
        down, up = (0, 1) if p["button_active_low"] else (1, 0)
        t = 0.0
        levels = PRESSES[kind]
        for i, dt in enumerate(levels):
            level = down if i % 2 == 0 else up
            self.loop.call_later(t, machine.drive, pin, level)
            t += dt
        self.loop.call_later(t, machine.drive, pin, up)
        self.events.append((self.now_s(), f"button {kind}"))

    # -- faults ---------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Any:
        """Make ``fault`` happen now (returns a coroutine for the ones that need the loop)."""
        self.events.append((self.now_s(), fault.describe()))
        kind = fault.kind
        if kind == "link_drop":
            return self.radio.drop_link(fault.arg)
        if kind == "slow_link":
            self.radio.set_connection_interval(fault.arg)
        elif kind == "corrupt":
            self.radio.corrupt_notifications(int(fault.arg))
        elif kind == "flash_full":
            self.flash.fill()
        elif kind == "low_battery":
            self.battery.forced_mv = fault.arg
            self._update_adc()
        elif kind == "imu_unplugged":
            self.unplug_imu(fault.arg)
        elif kind == "reboot":
            return self.reboot()
        return None

    def unplug_imu(self, seconds: float = 0.0) -> None:
        """The IMU leaves the bus; with ``seconds`` > 0 it comes back, powered up afresh."""
        import machine

        self._imu_present = False
        machine.detach(self._profile["i2c_bus"], self.chip.address)
        if seconds > 0:
            self.loop.call_later(seconds, self._replug)

    def _replug(self) -> None:
        import machine

        self._imu_present = True
        self.chip.reset()
        self.chip.t_us = self.chip.next_us = self.power_us()
        machine.attach(self._profile["i2c_bus"], _ChipOnBus(self.chip, self))

    async def reboot(self) -> None:
        """The reset button: the firmware restarts with reset cause HARD_RESET."""
        import machine

        await self._reboot(machine.HARD_RESET)

    # -- ground truth -----------------------------------------------------------------------
    def truth(self) -> Any:
        """The scenario's ground truth (kyphos.sim.scenario.Truth) for this seed."""
        from kyphos.sim.scenario import simulate

        res = simulate(self.scenario, seed=self.seed, chip=self.chip_name)
        res.truth.meta["board"] = {
            "device_t0_s": 0.0,
            "note": "scenario time = device time of the first boot (t_us / 1e6)",
            "faults": [f.describe() for f in self.faults],
            "remap": list(self.remap or (1, 2, 3)),
            "events": [{"t_s": round(t, 6), "what": w} for t, w in self.events],
        }
        return res.truth

    def write_truth(self, path: str | Path, samples: bool = True) -> Path:
        """Write the ground truth (``.npz`` or ``.json``, kyphos.sim.scenario.write_truth)."""
        from kyphos.sim.scenario import write_truth

        return write_truth(self.truth(), path, samples)


@contextlib.asynccontextmanager
async def running_board(
    scenario: str | Path | dict[str, Any] = "demo", **kwargs: Any
) -> AsyncIterator[tuple[VirtualBoard, Any, Any]]:
    """``async with running_board("demo", seed=1) as (board, radio, adapter):`` — a booted
    board on a fresh in-process radio, and a bleak adapter (central) on the same air. Run it
    on a :class:`kyphos.sim.clock.VirtualTimeLoop` for simulated time."""
    async with booted_on_a_fresh_radio(VirtualBoard(scenario, **kwargs)) as running:
        yield running


_Board = TypeVar("_Board", bound=VirtualBoard)


@contextlib.asynccontextmanager
async def booted_on_a_fresh_radio(board: _Board) -> AsyncIterator[tuple[_Board, Any, Any]]:
    """Start ``board`` on a fresh in-process radio, wait until its firmware has booted, and
    yield ``(board, radio, adapter)``; stop, close and clean up on the way out. Shared by
    :func:`running_board` and :func:`kyphos.sim.upy.board.running_upy_board`."""
    from kyphos.sim.radio import VirtualRadio

    radio = VirtualRadio()
    try:
        await board.start(radio)
        adapter = await radio.central()
        while board.device is None and not board.crashes:
            await asyncio.sleep(0.05)
        if board.device is None:
            raise RuntimeError(f"the firmware did not boot: {board.crashes[0]!r}")
        yield board, radio, adapter
    finally:
        await board.stop()
        await radio.close()
        board.cleanup()
