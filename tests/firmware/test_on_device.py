"""Every firmware check in tests/firmware/on_device/check_*.py, on both interpreters.

On CPython (with the board shims) each ``check_*`` function is its own test case; on the real
MicroPython (WebAssembly) each check file runs in one Node process and fails with the
MicroPython traceback of every failing check. See tests/firmware/README.md.
"""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

ON_DEVICE_DIR = Path(__file__).resolve().parent / "on_device"
CHECK_FILES = sorted(ON_DEVICE_DIR.glob("check_*.py"))


def _check_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
    ]


CPYTHON_CASES = [
    pytest.param(path.stem, name, id=f"{path.stem}.{name}")
    for path in CHECK_FILES
    for name in _check_names(path)
]


@pytest.fixture(scope="module")
def checks_importable(firmware_shims: Any) -> None:
    if str(ON_DEVICE_DIR) not in sys.path:
        sys.path.insert(0, str(ON_DEVICE_DIR))


@pytest.mark.parametrize(("module", "name"), CPYTHON_CASES)
def test_check_passes_on_cpython(module: str, name: str, checks_importable: None) -> None:
    getattr(importlib.import_module(module), name)()


@pytest.mark.mpy
@pytest.mark.parametrize("path", CHECK_FILES, ids=[p.stem for p in CHECK_FILES])
def test_checks_pass_on_micropython(path: Path, mpy: Any) -> None:
    files = [
        *mpy.firmware_files(),
        *mpy.shim_files(),
        *mpy.vector_files(),
        *mpy.check_helper_files(),
        (f"/{path.name}", path),
    ]
    code = f"import checkenv\nif checkenv.run_checks({path.stem!r}):\n    raise SystemExit(1)\n"
    mpy.run(files, code=code).check(path.name)


def test_there_are_checks() -> None:
    assert len(CPYTHON_CASES) >= 20
