"""firmware/main.py on the real MicroPython (WebAssembly): the maintenance boot starts neither
the application nor its watchdog (the flag file, consumed; or the button held as the board
starts), every other boot runs ``app.run()``. The flag and /config.json live at the root of
the board's filesystem, which only the MicroPython run has to itself."""

from __future__ import annotations

from typing import Any

import pytest

_CODE = """
import os, sys, machine

class FakeApp:  # stands in for app.py: counts app.run() calls
    runs = 0
    @staticmethod
    def run():
        FakeApp.runs += 1

sys.modules['app'] = FakeApp
src = open('/lib/main.py').read()

def boot():
    exec(src, {'__name__': '__main__'})

def files():
    return os.listdir('/')

# A normal boot: no flag, button not pressed (it reads released within 0.5 s).
boot()
assert FakeApp.runs == 1, FakeApp.runs
# The flag deploy writes before machine.reset(): a maintenance boot, once.
open('/.kyphos_maint', 'w').close()
boot()
assert FakeApp.runs == 1, FakeApp.runs
assert '.kyphos_maint' not in files(), files()
assert not machine.wdt_armed()
boot()
assert FakeApp.runs == 2, FakeApp.runs
# The button held as the board starts (XIAO ESP32-S3: GPIO0, pressed = low).
with open('/config.json', 'w') as f:
    f.write('{"board": "xiao_esp32s3"}')
machine.drive(0, 0)
boot()
assert FakeApp.runs == 2, FakeApp.runs
machine.drive(0, 1)
boot()
assert FakeApp.runs == 3, FakeApp.runs
# A board with no button (the virtual profile) and a damaged config boot normally.
with open('/config.json', 'w') as f:
    f.write('{"board": ')
boot()
assert FakeApp.runs == 4, FakeApp.runs
print('maintenance ok')
"""


@pytest.mark.mpy
def test_maintenance_boot_on_micropython(mpy: Any) -> None:
    r = mpy.run_code(_CODE).check("main.py maintenance boot")
    assert "maintenance ok" in r.stdout
    assert "maintenance boot: application and watchdog not started" in r.stdout
