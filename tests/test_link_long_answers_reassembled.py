"""A long answer arrives over BLE as several ACK parts (opcode | 0x80, docs/protocol.md
"Continuation"); the Device hands the caller the whole answer."""

from __future__ import annotations

from kyphos.link.device import connect
from kyphos.sim.clock import run


def test_config_get_of_every_key_over_ble_is_whole():
    async def scenario():
        dev = await connect("sim:ble")
        try:
            parts = []
            original = dev._dispatch

            def spy(rec):
                p = rec.frame.payload
                if type(p).__name__ == "Ack":
                    parts.append(p.opcode)
                original(rec)

            dev._dispatch = spy  # type: ignore[method-assign]
            everything = await dev.config_get()
            one = await dev.config_get("slouch_threshold_deg")
            return everything, one, parts
        finally:
            await dev.close()

    everything, one, parts = run(scenario())
    assert 0x85 in parts and parts.count(0x05) >= 1, "the answer should come in parts over BLE"
    assert len(everything) > 15 and "slouch_threshold_deg" in everything and "log_policy" in everything
    assert one["slouch_threshold_deg"] == everything["slouch_threshold_deg"]
