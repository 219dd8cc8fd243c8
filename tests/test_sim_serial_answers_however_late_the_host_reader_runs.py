"""The virtual board's USB serial in fast simulated time: the host's answers and frames come
however late the machine runs the host's threads. A VirtualTimeLoop moves its clock whenever it
has nothing ready; while pyserial's reader thread waited for a CPU (a loaded machine), the
board's bytes were invisible to the loop, so the 5 s command timeout (simulated) passed in
~20 ms of real time (the STOP of test_virtual_board_streams_over_ble_and_serial.py timed out
that way). The sim transport now has the loop read the pty (SerialTransport read_in_loop)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from _vboard_link import listen
from kyphos.protocol.constants import Opcode
from kyphos.sim.board import running_board
from kyphos.sim.clock import run
from kyphos.transport import serial as serial_transport

STALL_S = 0.3  # real time a reader thread waits for a CPU before it hands bytes over (own choice)


def test_commands_over_sim_serial_answer_when_reader_threads_run_late(
        monkeypatch: pytest.MonkeyPatch) -> None:
    hand_over = serial_transport.SerialTransport._enqueue_threadsafe

    def late(self: Any, data: bytes) -> None:
        if threading.current_thread() is not threading.main_thread():
            time.sleep(STALL_S)  # a loaded machine: the thread runs this much later
        hand_over(self, data)

    monkeypatch.setattr(serial_transport.SerialTransport, "_enqueue_threadsafe", late)

    async def main() -> tuple[int, int, int]:
        async with running_board("demo", seed=2, serial=True) as (board, radio, _adapter):
            ser = await listen(board, radio, "serial")
            await ser.command(Opcode.GET_INFO)
            await ser.command(Opcode.START, bytes([0b111]))
            await asyncio.sleep(3.0)
            await ser.command(Opcode.STOP)
            await ser.close()
            return ser.imu_samples, ser.lost_frames, ser.corrupt

    samples, lost, corrupt = run(main())
    assert lost == 0 and corrupt == 0
    assert samples > 2.5 * 104  # the stream came too, not only the answers
