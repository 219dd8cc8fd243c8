"""Light sleep on the virtual board: still for longer than sleep_after_min -> EVENT SLEEP and the
board spends most of the sleep in machine.lightsleep() (counted by the machine shim); motion
(a bend, or walking) wakes it (EVENT WAKE 1) and a button press wakes it (EVENT WAKE 2), and
sampling resumes. The BLE stack is never active inside machine.lightsleep() (the shim's radio
dies there, as on the ESP32: micropython issue 6396): off while asleep, on for an advertising
window every few seconds, and on again after the wake."""

from __future__ import annotations

import asyncio
from typing import Any

from _vboard_link import listen
from kyphos.errors import KyphosError
from kyphos.sim.board import running_board
from kyphos.sim.clock import run

SLEEP, WAKE = 9, 10


def _scenario(segments: list[dict[str, Any]], buttons: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "kyphos-scenario/1", "name": "sleepy", "seed": 3,
            "sensor": {"chip": "LSM6DSOX", "fs_hz": 104},
            "segments": segments, "board": {"buttons": buttons}}


def _sleep_run(segments: list[dict[str, Any]], buttons: list[dict[str, Any]],
               until_s: float, connect_at_s: float = 0.0) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        async with running_board(_scenario(segments, buttons),
                                 config={"sleep_after_min": 1}) as (board, radio, _adapter):
            import esp32  # the shims, importable once the board is up
            import machine

            dev = board.device
            armed: set[str] = set()  # wake sources armed late in the sleep
            link = None
            events: list[tuple[float, int, int]] = []
            real_event = dev.event

            def spy(kind: int, arg: int, value: int) -> None:
                events.append((board.now_s(), kind, arg))
                real_event(kind, arg, value)

            dev.event = spy
            samples_at_sleep = -1
            slept_at_wake = -1
            attempts = 0
            connected_at = -1.0
            while board.now_s() < until_s:
                await asyncio.sleep(0.5)
                if dev.state == 4:
                    armed = set(esp32.wake_sources())
                if connect_at_s and link is None and board.now_s() >= connect_at_s:
                    try:  # kyphos.connect, as a user's host: scan (1 s), retry
                        link = await listen(board, radio)
                        connected_at = board.now_s()
                    except KyphosError:
                        attempts += 1
                kinds = [k for _, k, _ in events]
                if samples_at_sleep < 0 and SLEEP in kinds:
                    samples_at_sleep = dev.samples
                if slept_at_wake < 0 and WAKE in kinds:
                    slept_at_wake = machine.lightsleep_stats()["slept_ms"]
            return {"events": events, "stats": machine.lightsleep_stats(),
                    "slept_at_wake": slept_at_wake, "dev_slept_ms": dev.slept_ms,
                    "samples_at_sleep": samples_at_sleep, "samples": dev.samples,
                    "state": dev.state, "crashes": list(board.crashes),
                    "board_events": list(board.events), "armed": armed,
                    "connected": link is not None and link.connected,
                    "attempts": attempts, "connected_at": connected_at}

    return run(main())


def _one(events: list[tuple[float, int, int]], kind: int) -> tuple[float, int]:
    hits = [(t, a) for t, k, a in events if k == kind]
    assert len(hits) == 1, events
    return hits[0]


def test_still_wearer_light_sleeps_and_motion_wakes_it() -> None:
    # A quick bend: its sample-to-sample change passes the chip's wake-up threshold (walking
    # at 104 Hz does not at 8 g full scale: docs/firmware.md section 9).
    out = _sleep_run([{"kind": "rest", "posture": "stand", "duration_s": 130},
                      {"kind": "bend", "flexion_deg": 60, "down_s": 0.5, "hold_s": 0.5,
                       "up_s": 0.5, "repeats": 3, "gap_s": 1.0},
                      {"kind": "stand", "duration_s": 10}], [], 142)
    assert out["crashes"] == [] and not any("watchdog" in w for _, w in out["board_events"])
    assert out["stats"]["with_radio"] == 0  # BLE off in every light-sleep slice
    t_sleep, _ = _one(out["events"], SLEEP)
    t_wake, arg = _one(out["events"], WAKE)
    # The chip's wake-up interrupt on INT1 ends the slice at once, not at the slice's end
    assert 60 <= t_sleep < 70 and 130 <= t_wake < 131 and arg == 1
    # Most of the sleeping time went by in machine.lightsleep() (slices of <= 2 s)
    asleep_ms = out["slept_at_wake"]
    assert asleep_ms > 0.7 * (t_wake - t_sleep) * 1000, (asleep_ms, t_sleep, t_wake)
    assert out["stats"]["calls"] >= (t_wake - t_sleep) / 2.5
    assert abs(out["dev_slept_ms"] - out["stats"]["slept_ms"]) < 50
    # Nothing sampled while asleep, sampling again after the wake (about 8 s of it at 104 Hz)
    assert out["samples"] - out["samples_at_sleep"] > 104 * 6
    assert out["state"] != 4
    # The button and the IMU's INT1 (only the wake-up event drives it while asleep)
    assert out["armed"] == {"ext0", "ext1"}


def test_button_press_ends_light_sleep_at_once() -> None:
    out = _sleep_run([{"kind": "rest", "posture": "stand", "duration_s": 140}],
                     [{"at_s": 100.0, "press": "short"}], 110)
    assert out["crashes"] == []
    t_sleep, _ = _one(out["events"], SLEEP)
    t_wake, arg = _one(out["events"], WAKE)
    assert t_sleep < 70 and arg == 2
    assert 100.0 <= t_wake < 100.2  # the press ends the slice: no wait for its end
    assert out["stats"]["pin_wakes"] >= 1
    assert out["slept_at_wake"] > 0.7 * (t_wake - t_sleep) * 1000
    assert out["samples"] > out["samples_at_sleep"]


def test_a_central_finds_and_connects_to_a_light_sleeping_board() -> None:
    """Asleep, BLE is off but on and advertising for 2 s every 60 s: a host that keeps
    scanning finds the board at the next window, and connecting wakes it (WAKE 1)."""
    out = _sleep_run([{"kind": "rest", "posture": "stand", "duration_s": 150}], [], 128,
                     connect_at_s=80)
    assert out["crashes"] == [] and out["connected"]
    assert out["stats"]["with_radio"] == 0
    t_sleep, _ = _one(out["events"], SLEEP)
    t_wake, arg = _one(out["events"], WAKE)
    # Sleep at ~60 s, BLE off; the first window 60 s later
    assert 60 <= t_sleep < 70 and t_sleep + 60 <= t_wake < t_sleep + 62.5 and arg == 1
    assert out["attempts"] >= 5 and out["connected_at"] < t_sleep + 64
    # Most of the sleep is still light sleep (2 s slices, 0.25 s housekeeping between them)
    assert out["slept_at_wake"] > 0.8 * (t_wake - t_sleep) * 1000


def test_walking_wakes_a_sleeping_board_and_a_central_connects() -> None:
    """Walking (110 steps/min) changes the acceleration by only ~20 mg between two samples,
    under any slope threshold at 8 g; the DSOX's high-pass wake-up path sees it at once. After
    the wake BLE is on and advertising: a host connects on its first scan."""
    out = _sleep_run([{"kind": "rest", "posture": "stand", "duration_s": 130},
                      {"kind": "walk", "duration_s": 20}], [], 140, connect_at_s=134)
    assert out["crashes"] == [] and out["stats"]["with_radio"] == 0
    t_sleep, _ = _one(out["events"], SLEEP)
    t_wake, arg = _one(out["events"], WAKE)
    assert 60 <= t_sleep < 70 and 130 <= t_wake < 132 and arg == 1, (t_sleep, t_wake)
    assert out["connected"] and out["attempts"] == 0 and out["connected_at"] < 136
