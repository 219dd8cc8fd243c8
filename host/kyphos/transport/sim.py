"""Target ``sim``: a virtual board (``kyphos.sim.board``) started in this process.

``sim`` or ``sim:ble`` reaches it through bleak on the virtual radio (the same
:class:`~kyphos.transport.ble.BleTransport` as real hardware, with the bumble backend);
``sim:serial`` through pyserial on its pseudo-terminal. The board runs on the caller's event
loop: a plain loop runs it in real time, a :class:`kyphos.sim.clock.VirtualTimeLoop` as fast
as the computation allows. ``runtime="micropython"`` runs the firmware on the real MicroPython unix port with NimBLE
instead (:mod:`kyphos.sim.upy`; real time only). ``transport.board`` and ``transport.radio``
are there for faults
(``board.inject(Fault("link_drop", 0, 30))``, ``board.reboot()``).

``state_dir`` keeps the board's bond store and configuration between uses, like a real board:
the firmware's ``bonds.json`` and ``config.json`` are copied into its (fresh) flash folder at
power-on and back after power-off, and this computer's bond keys live in
``state_dir/host_keys.json``, so ``kyphos pair --device sim`` is remembered by the next
``kyphos config set --device sim``. Flash logs are not kept: each use starts with an empty log,
as the tests and ``kyphos download --device sim`` expect of a virtual board. The
CLI passes ``$XDG_STATE_HOME/kyphos/sim-board`` (:func:`kyphos.cli.options.sim_state_dir`);
without it (the Python API's default, and the tests') every board starts fresh and is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kyphos.errors import KyphosError
from kyphos.transport.base import Received, Transport, TransportKind

_KEPT_FILES = ("bonds.json", "config.json")  # what a kept virtual board keeps (firmware/app.py)
def restore_kept(state_dir: str | Path, fs_root: str | Path) -> None:
    """Copy a kept virtual board's bond store and configuration (``_KEPT_FILES``) from
    ``state_dir`` into a new board's flash folder ``fs_root`` (before it boots)."""
    import shutil

    for name in _KEPT_FILES:
        src = Path(state_dir) / name
        if src.is_file():
            shutil.copyfile(src, Path(fs_root) / name)


def save_kept(state_dir: str | Path, fs_root: str | Path) -> None:
    """After power-off: copy the board's bond store and configuration back to ``state_dir``
    (temporary name + rename, so a crash never leaves half a bond file)."""
    import os
    import shutil

    keep = Path(state_dir)
    keep.mkdir(parents=True, exist_ok=True)
    for name in _KEPT_FILES:
        src = Path(fs_root) / name
        if src.is_file():
            tmp = keep / f".{name}.tmp-{os.getpid()}"
            shutil.copyfile(src, tmp)
            os.replace(tmp, keep / name)


_PAIRING_WAIT_S = 5.0  # press to pairing window open: 0.57 s unloaded (coach.Presses)
_BOOT_WAIT_S = 15.0  # power-on to first advertisement (measured: see _wait_advertising)


class SimTransport(Transport):
    kind = TransportKind.SIM

    def __init__(
        self,
        via: str = "ble",
        *,
        scenario: str | Path | dict[str, Any] = "demo",
        seed: int | None = None,
        config: dict[str, Any] | None = None,
        fs_root: str | Path | None = None,
        board: Any = None,
        radio: Any = None,
        runtime: str = "cpython",
        state_dir: str | Path | None = None,
        **board_kwargs: Any,
    ) -> None:
        via = (via or "ble").lower()
        if via not in ("ble", "serial"):
            raise KyphosError(f"sim:{via}: unknown link; use sim, sim:ble or sim:serial")
        super().__init__(f"virtual board (sim:{via})")
        self.via = via
        self.scenario = scenario
        self.seed = seed
        self.config = config
        self.state_dir = Path(state_dir) if state_dir else None
        self.fs_root = fs_root
        if runtime not in ("cpython", "micropython"):
            raise KyphosError(f"unknown runtime {runtime!r}; use cpython or micropython")
        self.runtime = runtime  # micropython: kyphos.sim.upy (real time, BLE only)
        self.board_kwargs = board_kwargs
        self.board: Any = board
        self.radio: Any = radio
        self._own_board = board is None
        self.inner: Transport | None = None
        self._adapter: Any = None  # this computer's radio (BLE only)

    async def _start_board(self) -> None:
        from kyphos.sim.board import VirtualBoard
        from kyphos.sim.radio import VirtualRadio

        if self.radio is None:
            self.radio = VirtualRadio()
        if self.board is None and self.runtime == "micropython":
            from kyphos.sim.upy.board import UpyBoard

            self.board = UpyBoard(self.scenario, seed=self.seed, config=self.config,
                                  fs_root=self.fs_root, serial=self.via == "serial",
                                  **self.board_kwargs)
            await self.board.start(self.radio)
        if self.board is None:
            self.board = VirtualBoard(
                self.scenario, seed=self.seed, config=self.config, fs_root=self.fs_root,
                serial=self.via == "serial", **self.board_kwargs,
            )
            self._restore_kept()
            await self.board.start(self.radio)

    async def _make_inner(self) -> Transport:
        if self.via == "serial":
            from kyphos.transport.serial import SerialTransport

            # The loop reads the pty: on a VirtualTimeLoop the clock must not run past bytes a
            # reader thread has not handed over yet (kyphos.transport.serial's docstring).
            return SerialTransport(self.board.serial.path, read_in_loop=True)
        from kyphos.transport.ble import BleTransport
        from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner

        keystore = None
        if self.state_dir is not None:  # this computer's side of the bond, kept too
            from bumble.keys import JsonKeyStore

            self.state_dir.mkdir(parents=True, exist_ok=True)
            keystore = JsonKeyStore(namespace=None, filename=str(self.state_dir / "host_keys.json"))
        adapter = self._adapter = await self.radio.central(keystore=keystore)
        return BleTransport(
            self.board.address, backend=BumbleClient, scanner_backend=BumbleScanner,
            scan_timeout_s=1.0, bumble_adapter=adapter,
        )

    # The inner transport does the work; this one only owns the board.
    async def connect(self) -> None:
        booting = self.board is None or self.radio is None
        if booting:
            await self._start_board()
        if self.inner is None:
            self.inner = await self._make_inner()
        if booting and self._adapter is not None:
            await self._wait_advertising(self._adapter)
        if self.clock is not None:
            self.inner.clock = self.clock
        await self.inner.connect()
        self.clock = self.inner.clock
        self.counters = self.inner.counters
        self.dropped = self.inner.dropped

    async def disconnect(self) -> None:
        if self.inner is not None:
            await self.inner.disconnect()

    async def shutdown(self) -> None:
        """Disconnect and power the board off (if this transport started it)."""
        await self.disconnect()
        if self._own_board and self.board is not None:
            if self.state_dir is not None:
                # a kept board is not switched off before the firmware's housekeeping has
                # written new bond keys to flash (firmware/app.py, ble.save_bonds)
                await self.board.settle_bonds()
            await self.board.stop()
            self._save_kept()
            self.board.cleanup()
            self.board = None
        if self.radio is not None and self._own_board:
            await self.radio.close()
            self.radio = None

    def _restore_kept(self) -> None:
        """Copy the kept bond store and configuration into the new board's flash."""
        if self.state_dir is not None:
            restore_kept(self.state_dir, self.board.fs_root)

    def _save_kept(self) -> None:
        """After power-off: keep the board's bond store and configuration."""
        if self.state_dir is not None and self.board is not None:
            save_kept(self.state_dir, self.board.fs_root)

    @property
    def connected(self) -> bool:  # type: ignore[override]
        return self.inner is not None and self.inner.connected

    @connected.setter
    def connected(self, value: bool) -> None:
        pass

    @property
    def encrypted(self) -> bool:
        return self.inner is not None and self.inner.encrypted

    async def send(self, frame: bytes) -> None:
        assert self.inner is not None
        await self.inner.send(frame)

    async def recv(self) -> Received | None:
        assert self.inner is not None
        return await self.inner.recv()

    def has_pending(self) -> bool:
        return self.inner is not None and self.inner.has_pending()

    async def rssi(self) -> int | None:
        return None if self.inner is None else await self.inner.rssi()

    async def pair(self) -> None:
        """The virtual wearer presses the button, waits until the board shows its pairing
        window open, then the host pairs as on real hardware.

        The wait is for the board's own word (STATUS_PAIRING in the status characteristic,
        refreshed as the window opens: ``firmware/ble.py`` ``security_state``), not a fixed
        time: the firmware recognises a short press only 400 ms after the release
        (``coach.Presses``, a double press may follow), 0.55-0.57 s after the press, and a
        fixed 0.6 s sleep lost that race whenever the event loop stalled ~0.1 s around the
        release (a busy CPU): the board then answered the numeric comparison "no" and
        pairing failed with SMP CONFIRM_VALUE_FAILED."""
        pair = getattr(self.inner, "pair", None)
        if pair is None:
            return
        if self.board is not None:
            self.board.press("short")
            await self._wait_pairing_window()
        await pair()

    async def _wait_advertising(self, adapter: Any, timeout_s: float = _BOOT_WAIT_S) -> None:
        """Until the board just powered on advertises (its first advertisement on this
        computer's radio; after ``timeout_s`` the inner transport's scan says "device not
        found"). The firmware boots on this event loop, and the inner scan lasts 1 s: a boot
        slowed past ~0.8 s by a busy CPU (the firmware modules are imported afresh at every
        boot, as RAM forgets them) ended the scan before the first advertisement, and the
        command failed with "device not found" (seen in a 30-run loop under load)."""
        import asyncio

        from kyphos.transport.bumble_backend import _address_text

        seen = asyncio.Event()
        want = str(self.board.address).upper()

        def on_adv(adv: Any) -> None:
            if _address_text(adv.address).upper() == want:
                seen.set()

        adapter.device.on("advertisement", on_adv)
        await adapter.start_scan(active=True)
        try:
            await asyncio.wait_for(seen.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass  # the inner transport's scan reports it, with its hint
        finally:
            adapter.device.remove_listener("advertisement", on_adv)
            await adapter.stop_scan()

    async def _wait_pairing_window(self, timeout_s: float = _PAIRING_WAIT_S) -> None:
        """Until the board's STATUS says its pairing window is open (LinkError after
        ``timeout_s``)."""
        import asyncio

        from kyphos.protocol.constants import STATUS_PAIRING
        from kyphos.protocol.frames import Status, decode_frame
        from kyphos.transport.base import LinkError

        loop = asyncio.get_running_loop()
        end = loop.time() + timeout_s
        while True:
            frame, _ = decode_frame(await self.read_status())
            if isinstance(frame.payload, Status) and frame.payload.flags & STATUS_PAIRING:
                return
            if loop.time() >= end:
                raise LinkError(self.name, f"the virtual board did not open its pairing window "
                                f"within {timeout_s:g} s of the button press",
                                "see the board's events (kyphos sim) for a crash or a reboot")
            await asyncio.sleep(0.02)

    async def read_status(self) -> bytes:
        return bytes(await self.inner.read_status())  # type: ignore[union-attr]

    async def _open(self) -> None:  # pragma: no cover - connect() is overridden
        raise NotImplementedError

    async def _close(self) -> None:  # pragma: no cover
        raise NotImplementedError

    async def _write(self, frame: bytes) -> None:  # pragma: no cover
        raise NotImplementedError
