"""Long command answers arrive in parts: the real firmware app on the virtual radio answers
CONFIG_GET of every key (longer than one notification) with several ACK frames, all but the
last with ``opcode | 0x80`` (docs/protocol.md, continuation); ``kyphos.protocol`` decodes every
part and the host reassembles the JSON. Over USB serial the same answer is one ACK."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _firmware_app_board import SerialHost, cmd_frame, install_app, start_device, stop_device  # noqa: E402
from kyphos.protocol import Opcode  # noqa: E402
from kyphos.protocol.frames import Ack, Err  # noqa: E402
from kyphos.transport.ble import CONTROL_UUID as CONTROL  # noqa: E402
from test_firmware_app_ble import _setup, _teardown  # noqa: E402

MORE = 0x80


@pytest.fixture
def board(tmp_path: Path) -> Any:
    return install_app()


async def _answer_parts(host: Any, opcode: int, args: bytes = b"") -> list[Any]:
    """Write one CMD; wait for ACKs with its request_id until one without bit 7 (or an ERR)."""
    host._rid += 1
    rid = host._rid
    await host.client.write_gatt_char(CONTROL, cmd_frame(rid, opcode, args), response=True)
    async with asyncio.timeout(10):
        while True:
            mine = [f.payload for f in host.frames
                    if isinstance(f.payload, (Ack, Err)) and f.payload.request_id == rid]
            if mine and (isinstance(mine[-1], Err) or not mine[-1].opcode & MORE):
                return mine
            await asyncio.sleep(0.005)


def test_config_get_all_keys_arrives_in_parts_over_ble(board: Any, tmp_path: Path) -> None:
    import config

    async def run() -> tuple[list[Any], list[int]]:
        radio, dev, task, host = await _setup(board, tmp_path)
        try:
            parts = await _answer_parts(host, Opcode.CONFIG_GET)
            one = await _answer_parts(host, Opcode.CONFIG_GET, b"odr_hz")
        finally:
            await _teardown(radio, dev, task, host)
        assert len(one) == 1 and one[0].opcode == Opcode.CONFIG_GET  # short: one plain ACK
        return parts, host.sizes

    parts, sizes = asyncio.run(run())
    assert len(parts) >= 2, [len(p.data) for p in parts]  # ~400 bytes, 231 a part
    assert all(isinstance(p, Ack) for p in parts)
    assert [p.opcode for p in parts] == [Opcode.CONFIG_GET | MORE] * (len(parts) - 1) + [
        Opcode.CONFIG_GET
    ]
    assert max(sizes) <= 244  # every part fits one notification of the 247-byte MTU
    values = json.loads(b"".join(p.data for p in parts))
    assert sorted(values) == config.KEYS
    assert values["slouch_dwell_s"] == 60


def test_config_get_all_keys_is_one_ack_over_serial(board: Any, tmp_path: Path) -> None:
    import config

    async def run() -> Any:
        host = SerialHost()
        dev, task = await start_device(board, tmp_path, serial=host.board_side)
        try:
            return await host.command(Opcode.CONFIG_GET)
        finally:
            await stop_device(dev, task)

    ack = asyncio.run(run()).payload
    assert isinstance(ack, Ack) and ack.opcode == Opcode.CONFIG_GET
    assert sorted(json.loads(ack.data)) == config.KEYS
