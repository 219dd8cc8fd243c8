"""The MicroPython-side stand-ins of the MicroPython runtime (kyphos/sim/upy/port/) on the real
unix port, bridged to the CPython shims' models (kyphos.sim.upy.bridge): what the models raise
reaches the firmware as the ESP32 port raises it (OSError with its errno, ValueError), and a
register read returns the chip model's bytes."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402
from kyphos.sim import chips, shims  # noqa: E402
from kyphos.sim.upy.board import PORT_DIR  # noqa: E402
from kyphos.sim.upy.bridge import Bridge  # noqa: E402

SCRIPT = """
import sys
import kyb
kyb.connect(sys.argv[1])
import machine
i2c = machine.I2C(0)
print("who", i2c.readfrom_mem(0x6A, 0x0F, 1)[0])
print("scan", i2c.scan())
try:
    i2c.readfrom_mem(0x50, 0x00, 1)
except OSError as e:
    print("nodev", e.args[0])
try:
    machine.WDT(1, timeout=1000)
except ValueError:
    print("wdt id1 ValueError")
w = machine.WDT(timeout=3000)
w.feed()
print("wdt ok")
p = machine.Pin(4, machine.Pin.IN)
print("pin", p.value())
print("uid", machine.unique_id().hex())
"""


def test_standins_reach_the_models_and_raise_as_the_port(tmp_path: Path) -> None:
    bins = binaries()
    shims.install()
    import machine

    machine.reset_state()
    machine.attach(0, chips.LSM6DSOX(0x6A))
    machine.drive(4, 1)
    (tmp_path / "t.py").write_text(SCRIPT)

    async def run() -> str:
        bridge = Bridge(str(tmp_path / "b.sock"), lambda: (4096,) * 10)
        await bridge.start()
        try:
            proc = await asyncio.create_subprocess_exec(
                str(bins.float32), str(tmp_path / "t.py"), bridge.path,
                env={**os.environ, "MICROPYPATH": f".frozen:{PORT_DIR}"},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            out, _ = await asyncio.wait_for(proc.communicate(), 30)
            return out.decode()
        finally:
            await bridge.close()

    try:
        out = asyncio.run(run()).splitlines()
    finally:
        machine.reset_state()
    assert out == ["who 108", "scan [106]", "nodev 19", "wdt id1 ValueError", "wdt ok",
                   "pin 1", f"uid {bytes(machine.unique_id()).hex()}"], out
