"""A long run of the firmware on the MicroPython runtime with the fixed heap: streamed over BLE
through ``kyphos.connect`` into a recording (``tests/test_upy_memory.py``,
``bench/bench_upy_runtime.py``). Real time: 10 minutes take 10 minutes."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any


async def soak(*, minutes: float = 10.0, rate: int = 104, floats: str = "float32",
               heap: str = "120wK", scenario: str = "office", board: str = "virtual",
               serial: bool = True, keep: Path | None = None,
               **board_kwargs: Any) -> dict[str, Any]:
    """Stream ``minutes`` at ``rate`` Hz; returns losses, heap and the port's counters.
    ``serial``: the board's USB serial is there as with app.run() (it costs heap); ``keep``:
    write the recording there instead of a temporary file."""
    import kyphos
    from kyphos.recording.recorder import record
    from kyphos.sim.scenario import load_scenario

    scn = load_scenario(scenario)
    scn["sensor"] = {**scn["sensor"], "fs_hz": rate}
    config: dict[str, Any] = {"odr_hz": rate}
    if board != "virtual":
        config["board"] = board
    dev = await kyphos.connect("sim", runtime="micropython", scenario=scn, config=config,
                               floats=floats, heap=heap, ping_interval_s=0,
                               usb_serial=serial, **board_kwargs)
    brd: Any = dev.transport.board  # type: ignore[attr-defined]
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = keep or Path(tmp) / "upy.kyr"
            res = await record(dev, path, duration_s=minutes * 60.0, subject="B01",
                               overwrite=keep is not None)
            s = kyphos.load(path)
            n_loaded, gaps = s.n_samples, len(s.gaps)
        health = dev.health()
    finally:
        await dev.close()
    st = brd.ports[-1]
    return {
        "rate_hz": rate, "minutes": minutes, "floats": floats, "heap": heap, "board": board,
        "usb_serial": serial, "wall_s": round(time.monotonic() - t0, 1),
        "imu_samples": res.imu_samples, "samples_loaded": n_loaded, "gaps": gaps,
        "missing_frames": health.missing_frames, "device_lost_samples": st.lost_samples,
        "enomem_retries": st.retried, "imu_fifo_overruns": st.imu_overruns,
        "imu_dropped": st.imu_dropped, "boots": brd.boots, "crashes": len(brd.crashes),
        "crash": repr(brd.crashes[0]) if brd.crashes else None,
        "lowest_free": brd.lowest_free(), "lowest_free_after_collect": st.lowest_live_free,
        "footprint": st.footprint,
    }
