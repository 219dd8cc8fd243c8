"""File replay: a recording comes back frame for frame, paced at real time × speed."""

from __future__ import annotations

import asyncio

import pytest
from kyphos.link.device import DeviceError, connect
from kyphos.recording.kyr import read_kyr
from kyphos.recording.recorder import record
from kyphos.sim.clock import run


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("replay") / "src.kyr"

    async def make():
        dev = await connect("sim", ping_interval_s=0)
        try:
            await record(dev, path, duration_s=8)
        finally:
            await dev.close()

    run(make())
    return path


def _device_frames(path):
    return [raw for h, raw in read_kyr(path).frames() if raw[1] not in (0x10, 0x20)]


@pytest.mark.parametrize("speed", [0.0, 4.0])
def test_replay_gives_back_every_frame_in_order_at_speed(recording, speed):
    async def scenario():
        dev = await connect(f"replay:{recording}@{speed:g}", ping_interval_s=0)
        loop = asyncio.get_running_loop()
        try:
            info = await dev.info()
            with pytest.raises(DeviceError):
                await dev.calibrate()  # a file cannot do that: ERR 1, as a board would say
            t0 = loop.time()
            await dev.start(log_always=False)
            got = [r async for b in dev.stream() for r in b.frames]
            return info, got, loop.time() - t0
        finally:
            await dev.close()

    info, got, elapsed = run(scenario())
    want = _device_frames(recording)
    assert [r.raw for r in got] == want
    assert info.name.startswith("kyphos-")
    hosts = [h for h, raw in read_kyr(recording).frames() if h >= 0 and raw[1] not in (0x10, 0x20)]
    span = (hosts[-1] - hosts[0]) / 1e6
    if speed:
        # Simulated time (fast loop): the pacing is exact, not a wall-clock measurement.
        assert span / speed * 0.95 < elapsed < span / speed * 1.05 + 0.1
    else:
        assert elapsed < 0.5


def test_replay_of_a_missing_file_names_it():
    async def go():
        await connect("replay:/nonexistent/x.kyr")

    with pytest.raises(Exception) as e:
        run(go())
    assert "/nonexistent/x.kyr" in str(e.value) and "no such recording" in str(e.value)


def test_replay_answers_get_info_from_the_header_when_the_file_has_no_info_frame(tmp_path):
    from kyphos.protocol.fields import payload_to_fields
    from kyphos.protocol.frames import Event, Info, make_frame
    from kyphos.recording.kyr import new_header, write_kyr

    want = Info((0, 2, 3), 1, 1, 3, 10400, 4, 500, 2.0**-10, 2.0**-15, bytes(range(6)), "kyphos-0005")
    with_device = tmp_path / "with.kyr"
    write_kyr(with_device, new_header("test", device=payload_to_fields(want)), [make_frame(Event(0, 0, 0))])
    without = tmp_path / "without.kyr"
    write_kyr(without, new_header("test", device=None), [make_frame(Event(0, 0, 0))])

    async def ask(path):
        dev = await connect(f"replay:{path}@0", ping_interval_s=0)
        try:
            return await dev.info()
        finally:
            await dev.close()

    assert run(ask(with_device)) == want
    with pytest.raises(DeviceError):
        run(ask(without))
