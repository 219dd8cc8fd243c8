"""The real firmware app on CPython (machine shim -> LSM6DSOX model) streaming over USB serial:
commands answered with ACK/ERR, IMU/QUAT frames decoded by ``kyphos.protocol``, the REPL
escape, flash logging by policy, the crash log report."""

from __future__ import annotations

import asyncio
import json
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _firmware_app_board import SerialHost, install_board, start_device, stop_device, wait_for  # noqa: E402
from kyphos.protocol import Opcode, serial_packet  # noqa: E402
from kyphos.protocol.constants import DeviceState  # noqa: E402
from kyphos.protocol.frames import Ack, Err, Event, Imu, Info, Quat, Status  # noqa: E402


@pytest.fixture
def board(tmp_path: Path) -> Any:
    install_board()
    import app

    return app


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_serial_get_info_start_and_stream(board: Any, tmp_path: Path) -> None:
    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        try:
            info = await host.command(Opcode.GET_INFO)
            assert isinstance(info.payload, Ack)
            raw = info.payload.data
            assert raw[3] == 1 and raw[4] == 0  # LSM6DSOX, virtual board
            name_len = raw[26]
            assert raw[27 : 27 + name_len].decode().startswith("kyphos-")
            ack = await host.command(Opcode.START, bytes([7]))
            assert isinstance(ack.payload, Ack)
            await wait_for(lambda: len(host.of(Imu)) >= 6)
            pong = await host.command(Opcode.PING)
            assert isinstance(pong.payload, Ack)
            stop = await host.command(Opcode.STOP)
            assert isinstance(stop.payload, Ack)
        finally:
            await stop_device(dev, task)
        kinds = [type(f.payload) for f in host.frames]
        assert Info in kinds  # START sends INFO first
        imus = [f for f in host.frames if isinstance(f.payload, Imu)]
        quats = [f for f in host.frames if isinstance(f.payload, Quat)]
        assert quats and all(len(f.payload.samples) == 10 for f in imus)
        # Data seq: consecutive over every data frame the link received (no loss).
        data = [f for f in host.frames if isinstance(f.payload, (Imu, Quat, Status, Event))]
        seqs = [f.seq for f in data]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        # At rest, chip z up: acc z ~ +1 g in counts, times increase by 10 periods per batch.
        acc_scale = struct.unpack_from("<f", raw, 12)[0]
        az = [s[2] * acc_scale for f in imus for s in f.payload.samples]
        assert sum(az) / len(az) == pytest.approx(9.81, abs=0.3)
        dt = [(b.t_us - a.t_us) % 2**32 for a, b in zip(imus, imus[1:], strict=False)]
        period_us = imus[0].payload.period_ns / 1000
        assert all(abs(d - 10 * period_us) < 3 * period_us for d in dt)
        assert dev.cmds.bad_frames == 0

    _run(run())


def test_serial_bad_commands_get_err_codes(board: Any, tmp_path: Path) -> None:
    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        try:
            cases = [
                (0x42, b"", 1),  # unknown opcode
                (Opcode.START, b"", 2),  # missing argument
                (Opcode.START, bytes([0]), 2),  # no stream selected
                (Opcode.LOG_READ, b"\x01", 2),  # wrong argument length
                (Opcode.CONFIG_GET, b"no_such_key", 3),
                (Opcode.CONFIG_SET, b'{"no_such_key": 1}', 3),
                (Opcode.CONFIG_SET, b'{"slouch_dwell_s": 9999}', 4),
                (Opcode.CONFIG_SET, b"not json", 2),
                (Opcode.LOG_READ, struct.pack("<HII", 999, 0, 10), 7),
                (Opcode.LOG_ERASE, struct.pack("<H", 999), 7),
            ]
            for op, args, code in cases:
                answer = await host.command(op, args)
                assert isinstance(answer.payload, Err), (op, args, answer)
                assert answer.payload.code == code, (op, args, answer.payload)
                assert answer.payload.opcode == op
            err = (await host.command(Opcode.CONFIG_SET, b'{"slouch_dwell_s": 9999}')).payload
            assert "slouch_dwell_s" in err.message and "3..600" in err.message
            # A damaged packet is dropped by the deframer; the link keeps working.
            host.send_raw(b"\x05\x01\x02\x03\x04\x00")
            ok = await host.command(Opcode.CONFIG_SET, b'{"slouch_dwell_s": 30}')
            assert isinstance(ok.payload, Ack) and json.loads(ok.payload.data) == {"slouch_dwell_s": 30}
            got = await host.command(Opcode.CONFIG_GET, b"slouch_dwell_s")
            assert json.loads(got.payload.data) == {"slouch_dwell_s": 30}
        finally:
            await stop_device(dev, task)
        assert json.loads((tmp_path / "config.json").read_text())["slouch_dwell_s"] == 30
        assert dev.usb.crc_errors == 1

    _run(run())


def test_repl_escape_stops_the_app(board: Any, tmp_path: Path) -> None:
    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        await host.command(Opcode.PING)
        assert dev.usb.escapes == 0
        host.send_raw(b"\r\x03\r\x01")  # what mpremote sends to get a raw REPL
        await asyncio.wait_for(task, 5)

    # As on a board, KeyboardInterrupt leaves the event loop and ends the application.
    with pytest.raises(KeyboardInterrupt):
        _run(run())


def test_crash_log_reported_then_marked(board: Any, tmp_path: Path) -> None:
    import crashlog

    try:
        raise ValueError("boom in the sampler")
    except ValueError as e:
        assert crashlog.save(e, str(tmp_path / "crash.txt"))

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        try:
            await host.command(Opcode.START, bytes([4]))
            await wait_for(lambda: bool(host.of(Status)))
            status = next(f.payload for f in host.frames if isinstance(f.payload, Status))
            assert status.flags & 1024  # crash log present
            text = (await host.command(Opcode.GET_CRASH)).payload.data.decode()
            assert "ValueError: boom in the sampler" in text
            again = (await host.command(Opcode.GET_CRASH)).payload.data
            assert again == b""
        finally:
            await stop_device(dev, task)

    _run(run())


def test_logging_when_disconnected_and_log_read_over_serial(board: Any, tmp_path: Path) -> None:
    from kyphos.recording.load import load_bytes

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        try:
            # Nobody streams: the default policy "disconnected" logs.
            await wait_for(lambda: dev.log.records >= 9)
            await host.command(Opcode.START, bytes([1]))  # now streaming: the log stops
            listing = json.loads((await host.command(Opcode.LOG_LIST)).payload.data)
            assert listing and listing[0]["id"] == 1 and listing[0]["closed"]
            size = listing[0]["size"]
            got = await host.command(Opcode.LOG_READ, struct.pack("<HII", 1, 0, size))
            assert isinstance(got.payload, Ack)
            chunks = [f.payload for f in host.frames if type(f.payload).__name__ == "LogChunk"]
            data = b"".join(c.data for c in chunks)
            assert len(data) == size and data == (tmp_path / "logs" / "00001.kyr").read_bytes()
            session = load_bytes(data, "00001.kyr")  # the host loader reads the device log
            assert session.n_samples >= 30
            refused = await host.command(Opcode.LOG_ERASE, struct.pack("<H", 0xFFFF))
            assert isinstance(refused.payload, Ack)  # USB is a trusted link
            assert not list((tmp_path / "logs").iterdir())
        finally:
            await stop_device(dev, task)

    _run(run())


def test_serial_packet_helper_matches_firmware_encoder(board: Any) -> None:
    import serialframe

    frame = bytes(range(1, 40)) + b"\x00" * 5
    dst = bytearray(serialframe.MAX_PACKET)
    end = serialframe.encode_packet(frame, 0, len(frame), dst, 0)
    assert bytes(dst[:end]) == serial_packet(frame)


def test_button_long_press_calibrates_double_press_snoozes(board: Any, tmp_path: Path) -> None:
    import machine

    async def press(hold_s: float) -> None:
        machine.drive(0, 0)
        await asyncio.sleep(hold_s)
        machine.drive(0, 1)

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        try:
            await host.command(Opcode.START, bytes([2]))
            await wait_for(lambda: len(host.of(Quat)) >= 3)
            await press(1.2)  # long: calibrate upright now
            await wait_for(lambda: dev.coach.calibrated)
            await asyncio.sleep(0.1)
            await press(0.08)
            await asyncio.sleep(0.1)
            await press(0.08)  # double: snooze
            await wait_for(lambda: dev.coach.snoozed)
            await wait_for(lambda: any(e.kind == 3 and e.arg == 3 for e in host.of(Event)))
        finally:
            await stop_device(dev, task)
        events = [(e.kind, e.arg) for e in host.of(Event)]
        assert (3, 2) in events and (7, 0) in events and (3, 3) in events, events

    _run(run())


def test_watchdog_fed_only_while_the_sampler_reads(board: Any, tmp_path: Path) -> None:
    import machine

    async def run() -> None:
        dev, task = await start_device(board, tmp_path, wdt_ms=300)
        try:
            await asyncio.sleep(0.6)
            assert not machine.wdt_expired()

            def stuck(buf: Any, max_n: int = 84) -> int:
                raise OSError(116)  # the I2C bus hangs: every read times out

            dev.hw.imu.read = stuck
            await asyncio.sleep(0.6)
            assert machine.wdt_expired()  # a board would reset now
        finally:
            await stop_device(dev, task)

    _run(run())


def test_reboot_command_acks_then_resets(board: Any, tmp_path: Path) -> None:
    import machine

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        ack = await host.command(Opcode.REBOOT)
        assert isinstance(ack.payload, Ack)
        with pytest.raises(machine.ResetRequested):
            await asyncio.wait_for(task, 5)

    _run(run())


def test_reboot_command_into_the_maintenance_boot(board: Any, tmp_path: Path) -> None:
    """REBOOT u8 1 writes main.py's flag before the ACK, then resets; other arguments: ERR 2
    and no reset."""
    import machine

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        for bad in (b"\x02", b"\x01\x00"):
            err = await host.command(Opcode.REBOOT, bad)
            assert isinstance(err.payload, Err) and err.payload.code == 2, err
        assert not (tmp_path / ".kyphos_maint").exists() and not task.done()
        ack = await host.command(Opcode.REBOOT, b"\x01")
        assert isinstance(ack.payload, Ack)
        assert (tmp_path / ".kyphos_maint").exists()
        with pytest.raises(machine.ResetRequested):
            await asyncio.wait_for(task, 5)

    _run(run())


def test_sleep_after_idle_and_wake_by_button(board: Any, tmp_path: Path) -> None:
    import machine
    from kyphos.sim import shims

    clock = shims.VirtualClock(1_000_000)
    old = shims.set_clock(clock)
    (tmp_path / "config.json").write_text('{"sleep_after_min": 1}')
    (tmp_path / "boots.txt").write_text("41\n")  # this is boot 42

    async def run() -> None:
        dev, task = await start_device(board, tmp_path)
        try:
            for _ in range(70):  # 70 s of board time, no motion (the chip lies still)
                clock.advance_us(1_000_000)
                await asyncio.sleep(0.01)
            await wait_for(lambda: dev.state == DeviceState.SLEEP)
            machine.drive(0, 0)
            await wait_for(lambda: dev.state != DeviceState.SLEEP)
            machine.drive(0, 1)
        finally:
            await stop_device(dev, task)

    try:
        _run(run())
    finally:
        shims.set_clock(old)
    log = sorted((tmp_path / "logs").iterdir())[0].read_bytes()
    from kyphos.recording.load import load_bytes

    events = load_bytes(log, "log").events
    kinds = [int(k) for k in events["kind"]]
    assert kinds[0] == 8 and 9 in kinds and 10 in kinds, kinds  # BOOT ... SLEEP ... WAKE
    assert int(events[0]["value"]) == 42  # EVENT BOOT carries the boot counter
    wake = events[kinds.index(10)]
    assert int(wake["arg"]) == 2  # woken by the button


def test_slouch_alert_buzzes_and_flags_the_imu_batches(tmp_path: Path) -> None:
    """Upright, calibrate, lean forward 25 deg and stay: after the 3 s dwell the coach alerts
    (EVENT SLOUCH_START, HAPTIC_ON/OFF) and the IMU batches taken while the motor ran carry
    flag bit0; sitting up ends the episode (SLOUCH_END)."""
    import math

    from kyphos.sim import shims

    lean = {"deg": 0.0}

    def source(t_s: float) -> tuple[float, ...]:
        # The chip's own axes: the virtual profile's imu_remap (2, -1, 3) makes sensor x = chip
        # y, so upright (+g on sensor x) is +g on chip y; leaning forward tips it to sensor z.
        a = math.radians(lean["deg"])
        return (0.0, 9.80665 * math.cos(a), 9.80665 * math.sin(a), 0.0, 0.0, 0.0)

    install_board(source=source)
    import app

    (tmp_path / "config.json").write_text('{"slouch_dwell_s": 3, "log_policy": "never"}')
    clock = shims.VirtualClock(1_000_000)
    old = shims.set_clock(clock)

    async def advance(seconds: float) -> None:
        for _ in range(int(seconds * 20)):  # 50 ms of board time per 5 ms of real time
            clock.advance_us(50_000)
            await asyncio.sleep(0.005)

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(app, tmp_path, serial=host.board_side)
        try:
            await host.command(Opcode.START, bytes([3]))
            await advance(1.0)
            assert isinstance((await host.command(Opcode.CALIBRATE)).payload, Ack)
            lean["deg"] = 25.0
            await advance(20.0)
            assert dev.coach.slouching
            lean["deg"] = 0.0
            await advance(15.0)
            assert not dev.coach.slouching
        finally:
            await stop_device(dev, task)
        events = [(e.kind, e.arg, e.value) for e in host.of(Event)]
        kinds = [k for k, _, _ in events]
        assert kinds.count(1) == 1 and kinds.count(2) == 1, events
        start = next(e for e in events if e[0] == 1)
        assert 150 <= start[2] <= 260, start  # flexion above upright at the alert, 0.1 deg
        # CALIBRATED with its tick buzz (pattern 5), then the alert: the buzz starts (HAPTIC_ON,
        # the configured "double" pattern 2) in the same batch as SLOUCH_START, stops, and the
        # episode ends when the wearer sits up. While slouched, the buzz repeats every dwell.
        pairs = [(k, a) for k, a, _ in events]
        assert pairs[:6] == [(7, 0), (4, 5), (5, 0), (4, 2), (1, 0), (5, 0)], events
        assert pairs[-1] == (2, 0)
        reminders = pairs[6:-1]
        assert reminders and reminders == [(4, 2), (5, 0)] * (len(reminders) // 2), events
        flagged = [f for f in host.of(Imu) if f.flags & 1]
        buzzes = pairs.count((4, 2)) + pairs.count((4, 5))
        # Each buzz (<= 0.5 s with spin-down, seen at this test's 200 ms sampler steps) flags a
        # few 10-sample batches (~0.1 s each), and nothing else is flagged.
        assert buzzes <= len(flagged) <= 8 * buzzes, (len(flagged), buzzes)
        assert len(flagged) < len(host.of(Imu)) // 3

    try:
        _run(run())
    finally:
        shims.set_clock(old)


class _FdStream:
    """The board end of a pseudo-terminal (non-blocking master fd) as reader and writer."""

    def __init__(self, fd: int) -> None:
        import os

        self.fd = fd
        os.set_blocking(fd, False)

    def readinto(self, buf: Any) -> int:
        import os

        try:
            data = os.read(self.fd, len(buf))
        except BlockingIOError:
            return 0
        buf[: len(data)] = data
        return len(data)

    def write(self, data: Any) -> int:
        import os

        try:
            return os.write(self.fd, bytes(data))
        except BlockingIOError:
            return 0


def test_serial_over_a_pty_with_pyserial(board: Any, tmp_path: Path) -> None:
    """The host opens the pseudo-terminal with pyserial, as it opens a board's USB port."""
    import os
    import tty

    import serial  # pyserial
    from kyphos.protocol import SerialDeframer

    master, slave = os.openpty()
    tty.setraw(slave)
    port = serial.Serial(os.ttyname(slave), timeout=0)
    stream = _FdStream(master)
    deframer = SerialDeframer()
    got: list[Any] = []

    async def answer(rid: int) -> Any:
        async with asyncio.timeout(5):
            while True:
                got.extend(deframer.feed(port.read(4096)))
                for f in got:
                    if isinstance(f.payload, (Ack, Err)) and f.payload.request_id == rid:
                        return f.payload
                await asyncio.sleep(0.005)

    async def run() -> None:
        from _firmware_app_board import cmd_frame

        dev, task = await start_device(board, tmp_path, serial=(stream, stream))
        try:
            port.write(serial_packet(cmd_frame(1, Opcode.GET_INFO)))
            assert isinstance(await answer(1), Ack)
            port.write(serial_packet(cmd_frame(2, Opcode.START, bytes([1]))))
            assert isinstance(await answer(2), Ack)
            async with asyncio.timeout(5):
                while sum(isinstance(f.payload, Imu) for f in got) < 5:
                    got.extend(deframer.feed(port.read(4096)))
                    await asyncio.sleep(0.01)
        finally:
            await stop_device(dev, task)

    try:
        _run(run())
    finally:
        port.close()
        os.close(master)
        os.close(slave)
    assert deframer.dropped == 0  # every packet decoded


def test_quat_flags_report_rest_and_bias_converged_and_the_filter_follows_the_chip_clock(
    tmp_path: Path,
) -> None:
    """Still on a table with a chip whose clock runs 3 % fast: the first QUAT batches have
    neither flag; after the 1.5 s rest test, bit1 (at rest) and bit0 (bias converged) are set;
    the filter's rate is remade from the measured period (1e9 / period_ns, not the nominal)."""
    from kyphos.sim import shims

    chip = install_board()
    chip.odr_error = 0.03
    import app

    (tmp_path / "config.json").write_text('{"log_policy": "never"}')
    clock = shims.VirtualClock(1_000_000)
    old = shims.set_clock(clock)

    async def run() -> Any:
        host = SerialHost()
        dev, task = await start_device(app, tmp_path, serial=host.board_side)
        try:
            await host.command(Opcode.START, bytes([2]))
            for _ in range(100):  # 5 s of board time
                clock.advance_us(50_000)
                await asyncio.sleep(0.005)
            return host.of(Quat), dev
        finally:
            await stop_device(dev, task)

    try:
        quats, dev = _run(run())
    finally:
        shims.set_clock(old)
    flags = [q.flags for q in quats]
    assert flags[0] == 0, flags[:5]
    assert flags[-1] == 0b11, flags[-5:]
    assert flags.index(0b11) > 5  # not before the rest test could pass
    nominal = 1e9 / 104
    # imu.py's period estimate moves towards the true 1e9 / (104 * 1.03) ns (2.9 % shorter)...
    assert quats[-1].period_ns < nominal * 0.985
    # ...and the filter's gains follow it (within the 0.2 % step that triggers a remake).
    assert dev._fusion_period_ns < nominal * 0.985
    assert abs(dev._fusion_period_ns - quats[-1].period_ns) <= quats[-1].period_ns * 0.002


def test_no_imu_at_boot_is_an_error_until_one_answers_the_probe(tmp_path: Path) -> None:
    """Nothing on the bus at boot: STATUS flag bit0 and state 5, START refused with ERR 9; an
    IMU plugged in later is found by the periodic probe and streams."""
    chip = install_board()
    import machine

    machine.detach(0, chip.address)
    import app

    async def run() -> None:
        host = SerialHost()
        dev, task = await start_device(app, tmp_path, serial=host.board_side)
        try:
            await wait_for(lambda: dev.state == DeviceState.ERROR)
            assert dev.imu_missing and dev.status_flags() & 1
            err = (await host.command(Opcode.START, bytes([1]))).payload
            assert isinstance(err, Err) and err.code == 9
            machine.attach(0, chip)
            await wait_for(lambda: not dev.imu_missing, 5)
            assert isinstance((await host.command(Opcode.START, bytes([1]))).payload, Ack)
            await wait_for(lambda: len(host.of(Imu)) >= 3)
            assert dev.state == DeviceState.STREAMING and not dev.status_flags() & 1
        finally:
            await stop_device(dev, task)

    _run(run())
