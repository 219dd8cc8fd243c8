"""Faults on demand for the virtual board: parsed from flags or from a scenario's ``board`` key.

A fault happens at a time ``at_s`` (s of simulated time after the board starts):

| kind | argument (flag ``KIND@AT[:ARG]``) | effect |
|---|---|---|
| ``link_drop`` | ``duration_s`` (5) | every BLE connection times out and the air stays silent |
| ``slow_link`` | ``interval_ms`` (100) | the connection interval becomes this (notifications drain slower) |
| ``corrupt`` | ``count`` (1) | the next ``count`` notifications get their first byte flipped |
| ``flash_full`` | – | the flash filesystem has no room left beyond what is used now |
| ``low_battery`` | ``mv`` (3300) | the battery voltage drops to this |
| ``imu_unplugged`` | ``duration_s`` (0 = for good) | the IMU leaves the I2C bus (and comes back, powered up afresh) |
| ``reboot`` | – | the board resets (reset cause HARD_RESET) and boots the firmware again |

Flags: ``kyphos sim --fault link_drop@30:5 --fault reboot@90``. In a scenario file, the
board-only keys sit under a top-level ``board`` object that :func:`split_board` removes before
the scenario validator sees the rest::

    "board": {"faults": [{"kind": "link_drop", "at_s": 30, "duration_s": 5}],
              "buttons": [{"at_s": 12, "press": "short"}],
              "battery": {"start_mv": 4050, "drain_mv_per_h": 150}}
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyphos.errors import ConfigError

# kind -> (argument name, default, lower, upper)
KINDS: dict[str, tuple[str | None, float, float, float]] = {
    "link_drop": ("duration_s", 5.0, 0.1, 3600.0),
    "slow_link": ("interval_ms", 100.0, 7.5, 4000.0),
    "corrupt": ("count", 1, 1, 10000),
    "flash_full": (None, 0, 0, 0),
    "low_battery": ("mv", 3300.0, 2800.0, 4200.0),
    "imu_unplugged": ("duration_s", 0.0, 0.0, 86400.0),
    "reboot": (None, 0, 0, 0),
}
PRESSES = {"short": (0.15,), "long": (2.0,), "double": (0.12, 0.15, 0.12)}  # pressed, released, …
BATTERY_KEYS = {"start_mv": (4100.0, 3000.0, 4250.0), "drain_mv_per_h": (120.0, 0.0, 100000.0)}


class FaultError(ConfigError):
    """A fault flag or a scenario's ``board`` entry is invalid (one line, names the key)."""


@dataclass(frozen=True)
class Fault:
    kind: str
    at_s: float
    arg: float = 0.0

    def describe(self) -> str:
        name = KINDS[self.kind][0]
        extra = f" {name}={self.arg:g}" if name else ""
        return f"{self.kind} at {self.at_s:g} s{extra}"


@dataclass(frozen=True)
class Button:
    at_s: float
    press: str  # short, long, double


@dataclass
class BoardScript:
    """Everything a scenario says about the board rather than the wearer."""

    faults: list[Fault]
    buttons: list[Button]
    start_mv: float = BATTERY_KEYS["start_mv"][0]
    drain_mv_per_h: float = BATTERY_KEYS["drain_mv_per_h"][0]


def _number(v: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise FaultError(f"{where}: expected a number, got {json.dumps(v)}")
    if not lo <= v <= hi:
        raise FaultError(f"{where}: {v:g} is out of range {lo:g} … {hi:g}")
    return float(v)


def make_fault(kind: str, at_s: float, arg: float | None = None, where: str = "fault") -> Fault:
    if kind not in KINDS:
        raise FaultError(f"{where}: unknown fault {kind!r} (one of {', '.join(KINDS)})")
    name, default, lo, hi = KINDS[kind]
    at = _number(at_s, f"{where}.at_s", 0.0, 1e7)
    if name is None:
        if arg is not None:
            raise FaultError(f"{where}: {kind} takes no argument")
        return Fault(kind, at)
    value = default if arg is None else _number(arg, f"{where}.{name}", lo, hi)
    return Fault(kind, at, float(value))


def parse_flag(text: str) -> Fault:
    """``KIND@AT[:ARG]``, e.g. ``link_drop@30:5`` (see the module table)."""
    kind, sep, rest = text.partition("@")
    if not sep:
        raise FaultError(f"--fault {text}: expected KIND@SECONDS[:ARG], e.g. link_drop@30:5")
    at_text, _, arg_text = rest.partition(":")
    try:
        at = float(at_text)
        arg = float(arg_text) if arg_text else None
    except ValueError:
        raise FaultError(f"--fault {text}: times and arguments are numbers") from None
    return make_fault(kind.strip(), at, arg, f"--fault {text}")


def parse_board(raw: Any, source: str = "scenario") -> BoardScript:
    """Validate a scenario's ``board`` object."""
    where = f"{source}: board"
    if not isinstance(raw, dict):
        raise FaultError(f"{where}: expected an object")
    unknown = set(raw) - {"faults", "buttons", "battery"}
    if unknown:
        raise FaultError(f"{where}.{sorted(unknown)[0]}: unknown key (faults, buttons, battery)")
    faults = []
    for i, f in enumerate(raw.get("faults", [])):
        w = f"{where}.faults[{i}]"
        if not isinstance(f, dict) or "kind" not in f or "at_s" not in f:
            raise FaultError(f"{w}: needs kind and at_s")
        name = KINDS.get(str(f["kind"]), (None,))[0]
        extra = set(f) - {"kind", "at_s"} - ({name} if name else set())
        if extra:
            raise FaultError(f"{w}.{sorted(extra)[0]}: unknown key")
        faults.append(make_fault(str(f["kind"]), f["at_s"], f.get(name) if name else None, w))
    buttons = []
    for i, b in enumerate(raw.get("buttons", [])):
        w = f"{where}.buttons[{i}]"
        if not isinstance(b, dict) or set(b) - {"at_s", "press"} or "at_s" not in b:
            raise FaultError(f"{w}: expected {{\"at_s\": s, \"press\": short|long|double}}")
        press = b.get("press", "short")
        if press not in PRESSES:
            raise FaultError(f"{w}.press: {json.dumps(press)} is not one of short, long, double")
        buttons.append(Button(_number(b["at_s"], f"{w}.at_s", 0.0, 1e7), press))
    bat = raw.get("battery", {})
    if not isinstance(bat, dict) or set(bat) - set(BATTERY_KEYS):
        raise FaultError(f"{where}.battery: expected an object with start_mv, drain_mv_per_h")
    values = {k: _number(bat.get(k, d), f"{where}.battery.{k}", lo, hi)
              for k, (d, lo, hi) in BATTERY_KEYS.items()}
    return BoardScript(sorted(faults, key=lambda f: f.at_s),
                       sorted(buttons, key=lambda b: b.at_s), **values)


def split_board(raw: dict[str, Any], source: str = "scenario") -> tuple[dict[str, Any], BoardScript]:
    """A raw scenario dict without its ``board`` key, and that key parsed."""
    rest = {k: v for k, v in raw.items() if k != "board"}
    return rest, parse_board(raw.get("board", {}), source)


def load_board_scenario(path_or_name: str | Path) -> tuple[dict[str, Any], BoardScript]:
    """Load a scenario file (path or bundled name) with an optional ``board`` key.

    Returns the validated scenario (kyphos.sim.scenario) and the board script.
    """
    from kyphos.sim.scenario import SCENARIO_DIR, ScenarioError, load_scenario, validate

    p = Path(path_or_name)
    if not p.exists() and p.suffix == "" and (SCENARIO_DIR / f"{p.name}.json").exists():
        p = SCENARIO_DIR / f"{p.name}.json"
    try:
        raw = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return load_scenario(path_or_name), BoardScript([], [])  # its own clear error
    if not isinstance(raw, dict) or "board" not in raw:
        return load_scenario(p), BoardScript([], [])
    rest, script = split_board(raw, p.name)
    try:
        scn = validate(rest, p.name)
    except ScenarioError:
        raise
    if not scn["name"]:
        scn["name"] = p.stem
    return scn, script
