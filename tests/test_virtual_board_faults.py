"""Each fault of the virtual board happens, and the firmware and the host see what they would
see on real hardware: a dropped link, a slow link, corrupt notifications, a full flash, a low
battery, an unplugged IMU, a reboot. Faults come from flags and from a scenario's board key.
The host side is the user's client, ``kyphos.connect`` -> ``kyphos.link.Device``, on a plain
link (tests/_vboard_link.py: no automatic reconnect or back-fill, so faults show as they
happened)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from _vboard_link import Listener, listen
from kyphos.protocol.constants import Opcode
from kyphos.protocol.frames import Event, Status, decode_frame
from kyphos.sim.board import VirtualBoard, running_board
from kyphos.sim.clock import run
from kyphos.sim.faults import FaultError, load_board_scenario, make_fault, parse_flag

ALL = bytes([0b111])


def _payloads(link: Listener, kind: type) -> list[Any]:
    out = []
    for _, raw in link.frames:
        p = decode_frame(raw)[0].payload
        if isinstance(p, kind):
            out.append(p)
    return out


async def _streaming(board: VirtualBoard, radio: Any) -> Listener:
    link = await listen(board, radio)
    await link.command(Opcode.START, ALL)
    await asyncio.sleep(3.0)
    return link


async def _inject(board: VirtualBoard, kind: str, arg: float | None = None) -> None:
    out = board.inject(make_fault(kind, board.now_s(), arg))
    if asyncio.iscoroutine(out):
        await out


def _fault_run(kind: str, arg: float | None = None, wait: float = 8.0,
               config: dict[str, Any] | None = None) -> tuple[Listener, VirtualBoard]:
    async def main() -> tuple[Listener, VirtualBoard]:
        async with running_board("demo", seed=1, config=config) as (board, radio, _adapter):
            link = await _streaming(board, radio)
            await _inject(board, kind, arg)
            await asyncio.sleep(wait)
            if link.connected:
                await link.close()
            return link, board

    return run(main())


def test_corrupt_notifications_are_discarded_whole_and_counted() -> None:
    link, board = _fault_run("corrupt", 3)
    assert link.corrupt == 3
    assert 0 < link.lost_frames <= 3 * 8  # the frames those notifications carried
    assert board.crashes == []


def test_slow_connection_interval_still_loses_nothing() -> None:
    link, _ = _fault_run("slow_link", 150)
    assert link.dev.health().drops == 0 and link.lost_frames == 0 and link.corrupt == 0
    assert link.imu_samples >= 104 * 10


def test_low_battery_raises_the_event_and_the_status_flag() -> None:
    link, _ = _fault_run("low_battery", 3300)
    assert any(e.kind == 11 for e in _payloads(link, Event))
    last = _payloads(link, Status)[-1]
    assert last.flags & 0b100 and abs(last.battery_mv - 3300) < 50


def test_flash_full_sets_log_full_and_no_free_bytes() -> None:
    link, _ = _fault_run("flash_full", config={"log_policy": "always"})
    before, after = _payloads(link, Status)[0], _payloads(link, Status)[-1]
    assert before.log_free_bytes > 1_000_000 and not before.flags & 0b10
    assert after.flags & 0b10 and after.log_free_bytes == 0


def test_unplugged_imu_shows_as_imu_missing_error_state_and_bus_errors() -> None:
    link, board = _fault_run("imu_unplugged", 0)
    before, after = _payloads(link, Status)[0], _payloads(link, Status)[-1]
    assert before.i2c_errors == 0 and after.i2c_errors > 0
    assert not before.flags & 1 and before.state != 5
    assert after.flags & 1 and after.state == 5  # STATUS bit0 "IMU missing", state error
    assert after.temp_cc == -32768
    assert board.device.led.code == 8  # LED_ERROR (haptic.py): 5 Hz blink
    assert board.crashes == []


def test_an_imu_that_comes_back_is_configured_again_and_streams() -> None:
    async def main() -> tuple[list[Any], int, int]:
        async with running_board("demo", seed=1) as (board, radio, _adapter):
            link = await _streaming(board, radio)
            await _inject(board, "imu_unplugged", 3.0)
            await asyncio.sleep(3.0)
            during = link.imu_samples
            await asyncio.sleep(5.0)  # back after 3 s; reconfigured within ~1 s
            await link.close()
            return _payloads(link, Status), during, link.imu_samples

    statuses, during, after = run(main())
    assert any(s.flags & 1 and s.state == 5 for s in statuses)
    assert not statuses[-1].flags & 1 and statuses[-1].state == 2
    assert after - during > 104 * 2  # samples flow again


def test_link_drop_disconnects_and_the_board_can_be_found_again() -> None:
    async def main() -> tuple[bool, bool, int]:
        async with running_board("demo", seed=1) as (board, radio, _adapter):
            link = await _streaming(board, radio)
            await _inject(board, "link_drop", 3.0)
            for _ in range(100):  # the central notices the supervision timeout
                if not link.connected:
                    break
                await asyncio.sleep(0.1)
            down = not link.connected
            await asyncio.sleep(3.5)
            again = await listen(board, radio)
            await again.command(Opcode.START, ALL)
            await asyncio.sleep(2.0)
            await again.close()
            return down, again.imu_samples > 150, again.lost_frames

    down, streaming, lost = run(main())
    assert down and streaming and lost == 0


def test_reboot_restarts_the_firmware_with_a_boot_event() -> None:
    async def main() -> tuple[int, int, int, list[str], bool]:
        async with running_board("demo", seed=1) as (board, radio, _adapter):
            link = await _streaming(board, radio)
            first_device = board.device
            await _inject(board, "reboot")
            await asyncio.sleep(1.0)
            dropped = not link.connected
            again = await listen(board, radio)
            await again.command(Opcode.START, ALL)
            await asyncio.sleep(1.0)
            await again.close()
            seq = [int.from_bytes(raw[4:6], "little") for _, raw in link.frames if raw[1] == 2]
            seq2 = [int.from_bytes(raw[4:6], "little") for _, raw in again.frames if raw[1] == 2]
            assert board.device is not first_device  # a fresh firmware instance
            return board.boots, seq[-1], seq2[0], [w for _, w in board.events], dropped

    boots, last_seq, new_seq, log, dropped = run(main())
    assert dropped and boots == 2 and "boot 2 (cause 2)" in log  # HARD_RESET
    assert new_seq < last_seq  # the data counter starts again from 0 after a reboot


def test_reboot_command_from_the_host_boots_again(tmp_path: Path) -> None:
    async def main() -> int:
        async with running_board("demo", seed=1, serial=True) as (board, radio, _adapter):
            ser = await listen(board, radio, "serial")  # USB is trusted: REBOOT is allowed
            await ser.command(Opcode.REBOOT)
            await asyncio.sleep(2.0)
            await ser.close()
            return board.boots

    assert run(main()) == 2


def test_fault_flags_parse_and_bad_ones_name_the_problem() -> None:
    f = parse_flag("link_drop@30:5")
    assert (f.kind, f.at_s, f.arg) == ("link_drop", 30.0, 5.0)
    assert parse_flag("reboot@90").kind == "reboot"
    assert parse_flag("low_battery@1").arg == 3300.0
    for bad, word in [("lnk_drop@3", "unknown fault"), ("reboot@9:1", "no argument"),
                      ("corrupt@x", "numbers"), ("slow_link@1:1", "out of range"),
                      ("link_drop", "KIND@SECONDS")]:
        with pytest.raises(FaultError, match=word):
            parse_flag(bad)


def test_scenario_board_key_schedules_faults_and_button_presses(tmp_path: Path) -> None:
    raw = json.loads(Path(__file__).parents[1].joinpath(
        "host/kyphos/sim/scenarios/calibration.json").read_text())
    raw["board"] = {"faults": [{"kind": "low_battery", "at_s": 4, "mv": 3350}],
                    "buttons": [{"at_s": 3, "press": "short"}],
                    "battery": {"start_mv": 4000}}
    path = tmp_path / "with_board.json"
    path.write_text(json.dumps(raw))
    scn, script = load_board_scenario(path)
    assert scn["name"] == raw.get("name") or scn["name"] == "with_board"
    assert [f.kind for f in script.faults] == ["low_battery"] and script.start_mv == 4000

    async def main() -> tuple[list[Event], list[str]]:
        async with running_board(path, seed=1) as (board, radio, _adapter):
            link = await listen(board, radio)
            await link.command(Opcode.START, ALL)
            await asyncio.sleep(14.0)  # the firmware wants 3 low readings, 2 s apart
            await link.close()
            return _payloads(link, Event), [w for _, w in board.events]

    events, log = run(main())
    assert any(e.kind == 3 and e.arg == 1 for e in events)  # BUTTON short
    assert any(e.kind == 11 for e in events)  # LOW_BATTERY
    assert "button short" in log and any(w.startswith("low_battery") for w in log)

    raw["board"] = {"faults": [{"kind": "reboot", "at_s": 1, "mv": 3}]}
    path.write_text(json.dumps(raw))
    with pytest.raises(FaultError, match=r"faults\[0\]\.mv: unknown key"):
        load_board_scenario(path)


def test_a_hung_firmware_is_reset_by_the_watchdog() -> None:
    async def main() -> list[str]:
        async with running_board("demo", seed=1) as (board, _radio, _adapter):
            import time

            dev = board.device
            # The sampler blocks for 9 s (a hang): nothing feeds the 8 s watchdog.
            dev.sample_pass = lambda: time.sleep_ms(9000)  # type: ignore[attr-defined]
            await asyncio.sleep(12.0)
            return [w for _, w in board.events]

    log = run(main())
    assert "watchdog expired" in log and "boot 2 (cause 3)" in log  # WDT_RESET


def test_kyphos_sim_rejects_a_bad_fault_flag_in_one_line(capsys) -> None:
    from kyphos.cli import main

    assert main(["sim", "--fault", "meltdown@3"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown fault 'meltdown'" in err


def test_a_firmware_crash_is_saved_and_reported_after_the_reboot() -> None:
    async def main() -> tuple[list[str], bytes, int]:
        async with running_board("demo", seed=1) as (board, radio, _adapter):
            def crash() -> None:
                raise ZeroDivisionError("sampler fell over")

            board.device.sample_pass = crash  # type: ignore[attr-defined]
            await asyncio.sleep(3.0)  # main.py waits 2 s, then machine.reset()
            link = await listen(board, radio)
            await link.command(Opcode.START, ALL)
            await asyncio.sleep(2.5)
            flags = _payloads(link, Status)[-1].flags
            text = await link.command(Opcode.GET_CRASH)
            await link.close()
            return [w for _, w in board.events], text, flags

    log, text, flags = run(main())
    assert any(w.startswith("crash: ZeroDivisionError") for w in log) and "boot 2 (cause 2)" in log
    assert flags & (1 << 10)  # STATUS: crash log present
    assert b"ZeroDivisionError: sampler fell over" in text
