"""``record(on_health=...)`` gets the link health every ``health_every_s`` while it records."""

from __future__ import annotations

from kyphos.link.device import connect
from kyphos.link.health import Health
from kyphos.recording.recorder import record
from kyphos.sim.clock import run


def test_record_calls_on_health_every_interval(tmp_path):
    seen: list[Health] = []

    async def go():
        dev = await connect("sim", ping_interval_s=0)
        try:
            return await record(dev, tmp_path / "h.kyr", duration_s=4, on_health=seen.append,
                                health_every_s=1.0)
        finally:
            await dev.close()

    res = run(go())
    assert res.stopped_by == "duration" and res.imu_samples > 0
    assert 3 <= len(seen) <= 4  # at 1, 2, 3 (and maybe 4) s of a 4 s recording
    assert all(isinstance(h, Health) and h.connected for h in seen)
    assert seen[-1].sample_rate_hz > 0
