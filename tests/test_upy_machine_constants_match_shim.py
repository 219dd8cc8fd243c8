"""The MicroPython runtime's ``machine`` stand-in (host/kyphos/sim/upy/port/machine.py, run by
the unix port, so it cannot import the CPython shim) repeats the shim's constants: its header
says "Constants have the values of the CPython shim, which the host applies". This keeps the
two copies equal: every upper-case constant the stand-in defines, at module level or in a
class, has the same value in kyphos.sim.shims.machine."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import kyphos.sim.upy

PORT_MACHINE = Path(kyphos.sim.upy.__file__).parent / "port" / "machine.py"


def _constants(source: str) -> dict[str, Any]:
    """``NAME`` / ``Class.NAME`` -> literal value, for upper-case names assigned a literal."""

    def walk(body: list[ast.stmt], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for node in body:
            if isinstance(node, ast.ClassDef):
                out.update(walk(node.body, f"{node.name}."))
            elif (isinstance(node, ast.Assign) and len(node.targets) == 1
                  and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()):
                try:
                    out[prefix + node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    pass
        return out

    return walk(ast.parse(source).body, "")


def _mismatches(source: str) -> dict[str, Any]:
    from kyphos.sim import shims

    shims.install()
    import machine

    bad: dict[str, Any] = {}
    for name, value in _constants(source).items():
        obj: Any = machine
        for part in name.split("."):
            obj = getattr(obj, part, bad)
        if obj is bad or obj != value:
            bad[name] = (value, None if obj is bad else obj)
    return bad


def test_the_port_machine_constants_equal_the_shims() -> None:
    source = PORT_MACHINE.read_text()
    names = _constants(source)
    assert {"WDT_RESET", "Pin.IRQ_FALLING", "ADC.ATTN_11DB"} <= set(names), sorted(names)
    assert _mismatches(source) == {}


def test_a_changed_constant_is_caught() -> None:
    source = PORT_MACHINE.read_text().replace("    IRQ_FALLING = 2\n", "    IRQ_FALLING = 9\n", 1)
    assert _mismatches(source) == {"Pin.IRQ_FALLING": (9, 2)}
