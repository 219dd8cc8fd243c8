"""Fixtures shared by all tests.

- ``firmware_shims``: firmware modules importable on CPython (``host/kyphos/sim/shims``).
- ``virtual_clock``: the shims' tick functions read a `VirtualClock` for the test.
- ``fresh_imu``: the firmware's imu.py imported afresh on a reset machine shim and a clock.
- ``mpy``: run code on the real MicroPython (the WebAssembly build from npm) through
  ``tests/mpy/runner.mjs``; see tests/firmware/README.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = ROOT / "firmware"
SHIMS_DIR = ROOT / "host" / "kyphos" / "sim" / "shims"
VECTORS_DIR = ROOT / "tests" / "vectors"
ON_DEVICE_DIR = ROOT / "tests" / "firmware" / "on_device"
MPY_DIR = ROOT / "tests" / "mpy"
RUNNER = MPY_DIR / "runner.mjs"
MPY_PACKAGE = (
    MPY_DIR / "node_modules" / "@micropython" / "micropython-webassembly-pyscript" / "package.json"
)
# Shims that MicroPython has built in (a file cannot shadow a built-in module anyway).
_MPY_BUILTIN_SHIMS = {"__init__", "micropython"}

FileList = list[tuple[str, Path]]


@pytest.fixture(autouse=True)
def _fresh_sim_board_state(tmp_path_factory: pytest.TempPathFactory,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's ``--device sim`` keeps its virtual board between commands, in the user's state
    dir (kyphos.cli.options.sim_state_dir): each test gets its own, never the user's, and
    parallel workers never share one. Subprocesses inherit it through the environment."""
    monkeypatch.setenv("KYPHOS_SIM_STATE", str(tmp_path_factory.mktemp("sim-state")))


@dataclass
class MpyResult:
    returncode: int  # 0 ok, 1 uncaught MicroPython exception, 2 timeout, 3 runner error
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def report(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"

    def check(self, what: str = "MicroPython run") -> MpyResult:
        """Fail the test with the MicroPython output and traceback unless the run succeeded."""
        if not self.ok:
            pytest.fail(f"{what} failed on MicroPython: {self.report()}", pytrace=False)
        return self


class MicroPython:
    """The real MicroPython interpreter (WebAssembly build), one Node process per run.

    ``run(files, code=...)`` or ``run(files, entry="module")``: files are (destination in the
    interpreter's filesystem, host path) pairs; ``/lib`` and the current folder ``/`` are on
    MicroPython's ``sys.path``. Start-up costs ~0.2 s: batch work into one run.
    """

    def __init__(self, node: str) -> None:
        self.node = node

    def run(
        self,
        files: Iterable[tuple[str, Path | str]] = (),
        *,
        code: str | None = None,
        entry: str | None = None,
        timeout_s: float = 60,
        heap_mb: int = 16,
    ) -> MpyResult:
        job: dict[str, Any] = {
            "files": [[dest, str(src)] for dest, src in files],
            "timeout_s": timeout_s,
            "heap_mb": heap_mb,
        }
        if code is not None:
            job["code"] = code
        elif entry is not None:
            job["entry"] = entry
        else:
            raise ValueError("give code= or entry=")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(job, f)
        try:
            proc = subprocess.run(
                [self.node, str(RUNNER), f.name],
                cwd=MPY_DIR,
                capture_output=True,
                text=True,
                timeout=timeout_s + 15,  # the runner times itself out first
            )
        finally:
            Path(f.name).unlink()
        return MpyResult(proc.returncode, proc.stdout, proc.stderr)

    def run_code(self, code: str, files: Iterable[tuple[str, Path | str]] = (), **kw: Any) -> MpyResult:
        """Run code with every firmware module and the MicroPython-side shims available."""
        return self.run([*self.firmware_files(), *self.shim_files(), *files], code=code, **kw)

    @staticmethod
    def firmware_files() -> FileList:
        return [(f"/lib/{p.name}", p) for p in sorted(FIRMWARE_DIR.glob("*.py"))]

    @staticmethod
    def shim_files() -> FileList:
        """Shims for modules this MicroPython build lacks (machine, bluetooth, …)."""
        return [
            (f"/lib/{p.name}", p)
            for p in sorted(SHIMS_DIR.glob("*.py"))
            if p.stem not in _MPY_BUILTIN_SHIMS
        ]

    @staticmethod
    def vector_files() -> FileList:
        return [
            (f"/vectors/{p.name}", p)
            for p in sorted(VECTORS_DIR.iterdir())
            if p.suffix in (".bin", ".json")
        ]

    @staticmethod
    def check_helper_files() -> FileList:
        """tests/firmware/on_device modules that are not check files (checkenv, …)."""
        return [
            (f"/{p.name}", p)
            for p in sorted(ON_DEVICE_DIR.glob("*.py"))
            if not p.name.startswith("check_")
        ]


@pytest.fixture(scope="session")
def mpy() -> MicroPython:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the firmware tests need Node.js 20+", pytrace=False)
    if not MPY_PACKAGE.is_file():
        pytest.fail(
            "MicroPython WebAssembly is not installed: run `make setup` "
            "(cd tests/mpy && npm install --no-audit --no-fund --no-package-lock)",
            pytrace=False,
        )
    return MicroPython(node)


@pytest.fixture(scope="session")
def firmware_shims() -> Any:
    """Install the CPython shims (idempotent); firmware modules import by plain name."""
    from kyphos.sim import shims

    shims.install()
    return shims


@pytest.fixture
def virtual_clock(firmware_shims: Any) -> Iterator[Any]:
    """A VirtualClock behind time.ticks_us/ms for one test, the previous clock restored after."""
    clock = firmware_shims.VirtualClock()
    old = firmware_shims.set_clock(clock)
    yield clock
    firmware_shims.set_clock(old)


@pytest.fixture
def fresh_imu(firmware_shims: Any) -> Iterator[tuple[Any, Any, Any]]:
    """``(imu, machine, clock)``: the firmware's imu.py imported afresh (lsm6.py too) on a reset
    machine shim and a VirtualClock at 1 s, both restored after."""
    import sys

    clock = firmware_shims.VirtualClock(1_000_000)
    old = firmware_shims.set_clock(clock)
    import machine

    machine.reset_state()
    for name in ("imu", "lsm6"):
        sys.modules.pop(name, None)
    import imu

    yield imu, machine, clock
    machine.reset_state()
    firmware_shims.set_clock(old)


@pytest.fixture
def dsox_imu(fresh_imu: tuple[Any, Any, Any]) -> tuple[Any, Any, Any, Any, Any]:
    """``(imu, chip, clock, dev, buf)``: the firmware's IMU on an LSM6DSOX chip model at 208 Hz,
    its FIFO read once 0.1 s after configure (the timing reference), ``buf`` a read buffer."""
    from array import array

    from kyphos.sim import chips

    imu, machine, clock = fresh_imu
    chip = chips.LSM6DSOX(0x6A)
    machine.attach(0, chip)
    dev = imu.IMU(machine.I2C(0))
    assert dev.configure(208, 8, 1000)
    buf = array("h", bytes(12 * imu.MAX_BATCH))
    clock.advance_us(100_000)
    assert dev.read(buf) > 0
    return imu, chip, clock, dev, buf


# Longest first: under `pytest -n 2` a worker takes these at the start (the 10-minute MicroPython
# run is mostly waiting on the port's real clock) while the other works through the rest, instead
# of one of them starting last and running alone at the end.
_LONG_FIRST = (
    "tests/test_upy_memory.py",
    "tests/test_upy_differential.py",
    "tests/test_fuzz_decoders.py",
    "tests/test_fuzz_firmware_parsers.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return _LONG_FIRST.index(path) if path in _LONG_FIRST else len(_LONG_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order
