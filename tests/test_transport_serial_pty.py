"""pyserial on the virtual board's real pseudo-terminal: commands, streaming, framing errors."""

from __future__ import annotations

import asyncio
import errno

import numpy as np
import pytest
from kyphos.link.device import DeviceError, connect
from kyphos.protocol.frames import Cmd, make_frame
from kyphos.protocol.serial import cobs_encode, crc16, serial_packet
from kyphos.transport.base import LinkError, open_transport
from kyphos.transport.serial import SerialTransport, _open_error


def test_serial_link_commands_and_stream_over_a_pty():
    async def scenario():
        dev = await connect("sim:serial", ping_interval_s=0)
        try:
            t = dev.transport
            assert t.inner.port.startswith("/dev/pts/")
            info = await dev.info()
            assert info.name.startswith("kyphos-") and info.odr_chz == 10400
            # USB counts as trusted: config changes go through without pairing.
            assert await dev.link_secure()
            assert (await dev.config_set(slouch_threshold_deg=12)) == {"slouch_threshold_deg": 12}
            assert (await dev.config_get("slouch_threshold_deg")) == {"slouch_threshold_deg": 12}
            with pytest.raises(DeviceError) as e:
                await dev.config_set(no_such_key=1)
            assert e.value.code == 3 and "kyphos config get" in str(e.value)
            await dev.start()
            frames = []

            async def take():
                async for b in dev.stream():
                    frames.extend(b.frames)

            task = asyncio.ensure_future(take())
            await asyncio.sleep(2.0)
            await dev.stop()
            dev.end_stream()
            await task
            return frames, dev.health()
        finally:
            await dev.close()

    frames, health = asyncio.run(scenario())
    seqs = np.array([r.frame.seq for r in frames if r.frame.type in (2, 3, 4, 5)])
    assert len(seqs) > 20
    assert np.all(np.diff(seqs) == 1), "nothing lost or reordered on the serial link"
    assert any(r.frame.type == 1 for r in frames)  # the INFO frame START sends
    assert health.missing_frames == 0 and health.corrupt == 0


def test_serial_deframer_drops_bad_packets_and_resyncs():
    t = SerialTransport("/dev/null")
    good = serial_packet(make_frame(Cmd(7, 1)))
    bad = bytearray(good)
    bad[3] ^= 0xFF  # CRC fails
    out = t._decode(0, bytes(bad) + b"\x05garbage\x00" + good[:5])
    assert out == [] and t.counters.corrupt == 2
    out = t._decode(0, good[5:])  # the rest of the packet arrives later
    assert len(out) == 1 and out[0].frame.payload == Cmd(7, 1) and out[0].raw == make_frame(Cmd(7, 1))
    # One packet holds exactly one frame: two frames in one packet (CRC right) are dropped too.
    two = make_frame(Cmd(7, 1)) + make_frame(Cmd(8, 1))
    out = t._decode(0, cobs_encode(two + crc16(two).to_bytes(2, "little")) + b"\x00")
    assert out == [] and t.counters.corrupt == 3


def test_missing_port_and_permission_errors_say_what_to_do():
    async def go():
        await open_transport("serial:/dev/ttyKYPHOS-none").connect()

    with pytest.raises(LinkError) as e:
        asyncio.run(go())
    msg = str(e.value)
    assert msg.startswith("/dev/ttyKYPHOS-none: no such serial port") and "plugged in" in msg
    denied = _open_error("/dev/ttyACM0", PermissionError(errno.EACCES, "Permission denied"))
    assert "dialout" in str(denied) and str(denied).startswith("/dev/ttyACM0: permission denied")
