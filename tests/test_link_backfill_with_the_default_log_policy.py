"""The demo's recording carried a warning: "the board logs to flash only while disconnected
(log_policy=disconnected) and this BLE link is not encrypted ... data in flight at a drop may
be lost". It was a wrong warning: with the default policy the board starts logging at the
drop and salvages the frames still queued and the last 8 notifications sent (firmware/ble.py
``take_unsent``), and the back-fill finds every frame. Measured here on an unpaired link (the
host cannot ask for ``log_policy = "always"``): a 5 s dropout, 0 missing, and no warning. With
``"never"`` the board logs nothing while the link is down: that still warns."""

from __future__ import annotations

import asyncio
from pathlib import Path

import kyphos
import numpy as np
from kyphos.link.device import connect
from kyphos.recording.kyr import read_kyr
from kyphos.recording.recorder import record
from kyphos.sim.clock import run
from kyphos.sim.faults import Fault


def test_a_dropout_on_an_unpaired_link_loses_nothing_and_warns_nothing(tmp_path: Path) -> None:
    path = tmp_path / "drop.kyr"

    async def scenario() -> tuple:
        dev = await connect("sim", backoff_s=(0.5, 4.0))  # the board's default log_policy
        board = dev.transport.board
        try:
            assert not await dev.link_secure()  # unpaired: the policy cannot be changed
            task = asyncio.ensure_future(record(dev, path, duration_s=30, subject="S01"))
            await asyncio.sleep(10)
            await board.inject(Fault("link_drop", 0, 5.0))
            res = await task
            policy = (await dev.config_get("log_policy"))["log_policy"]
            return res, dev.health(), list(dev.warnings), policy
        finally:
            await dev.close()

    res, health, warnings, policy = run(scenario())
    assert policy == "disconnected"
    assert health.drops == 1 and res.backfilled > 5 * 2 * 10  # ~5 s of IMU + QUAT frames
    assert health.missing_frames == 0
    kyr = read_kyr(path)
    seqs = np.unique([raw[4] | (raw[5] << 8) for _h, raw in kyr.frames() if raw[1] in (2, 3, 4, 5)])
    assert len(seqs) == seqs[-1] - seqs[0] + 1  # every data frame, first to last
    assert len(kyphos.load(path).gaps) == 0
    assert warnings == [] and res.warnings == []
    notes = [n for _t, n in kyphos.load(path).notes if n.get("event") == "warning"]
    assert notes == [], notes


def test_a_board_that_never_logs_still_warns_on_an_unpaired_link() -> None:
    async def scenario() -> list[str]:
        dev = await connect("sim", config={"log_policy": "never"})
        try:
            await dev.start()
            await dev.stop()
            return list(dev.warnings)
        finally:
            await dev.close()

    warnings = run(scenario())
    assert len(warnings) == 1 and "log_policy=never" in warnings[0]
    assert "kyphos pair" in warnings[0] and "loses the data" in warnings[0]
