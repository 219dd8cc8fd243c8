"""The board reboots mid-recording: the host sees a new epoch (its clock restarted), back-fills
the new boot's first frames from the flash log, and the recording loads on one timeline."""

from __future__ import annotations

import asyncio

import kyphos
import numpy as np
from kyphos.link.device import connect
from kyphos.recording.recorder import record
from kyphos.sim.clock import run


def test_reboot_mid_session_keeps_one_timeline(tmp_path):
    path = tmp_path / "reboot.kyr"

    async def scenario():
        dev = await connect("sim", config={"log_policy": "always"}, backoff_s=(0.25, 2.0))
        board = dev.transport.board
        try:
            task = asyncio.ensure_future(record(dev, path, duration_s=40))
            await asyncio.sleep(12)
            await board.reboot()
            res = await task
            return res, dev, board.boots
        finally:
            await dev.close()

    res, dev, boots = run(scenario())
    assert boots == 2
    assert len(dev.epochs) == 2, "the reboot starts a new epoch"
    assert dev.epochs[1].first_seq == 0  # the new boot's frames from seq 0 were back-filled
    assert dev.missing_frames() == 0
    fits = dev.clock_notes()
    assert [f["epoch"] for f in fits] == [0, 1]
    # One simulated clock (no real drift): over 12–28 s of 50 ms notification jitter the fit
    # is within a millisecond-scale trend; the spread is the link's jitter.
    assert all(abs(f["drift_ppm"]) < 1000 and f["mad_us"] < 20_000 for f in fits), fits

    s = kyphos.load(path)
    assert np.all(np.diff(s.time) > 0), "one timeline: time never goes back"
    # The only hole is the reboot itself (0.3 s boot) and is found where it happened.
    big = [(a, b) for a, b in s.gaps if b - a > 0.1]
    assert len(big) == 1, s.gaps
    a, b = big[0]
    assert 9.0 < a < 13.0 and 0.2 < b - a < 2.0
    assert 38.0 < s.time[-1] < 42.0  # the second epoch is placed by host time, not at 0
