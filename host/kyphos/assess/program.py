"""Exercise programme files (``kyphos-program/1``): load, validate, and list the examples.

A PT writes one JSON file per programme (docs/assessment.md lists every key)::

    {"format": "kyphos-program/1", "name": "Seated thoracic extension",
     "exercises": [{"name": "Thoracic extension over the chair back", "movement": "extension",
                    "posture": "sit", "reps": 10, "target_range_deg": 15, "hold_s": 3,
                    "tempo_out_s": 2, "tempo_back_s": 2}]}

Every problem is one line naming the file and the key: ``prog.json: exercises[0].reps:
expected an integer, got "ten"``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyphos.errors import ConfigError
from kyphos.metrics.exercise import MOVEMENTS, TWO_SIDED, Targets
from kyphos.resources import program_dir

FORMAT = "kyphos-program/1"
PROGRAM_DIR = program_dir()

#: key → (type, default (... = required), lower, upper, meaning)
TOP_KEYS: dict[str, tuple[str, Any, float | None, float | None]] = {
    "format": ("str", FORMAT, None, None),
    "name": ("str", ..., None, None),
    "description": ("str", "", None, None),
    "sessions_per_week": ("number", 7.0, 0.5, 21),
    "scenario": ("str", "", None, None),
    "exercises": ("list", ..., None, None),
}
EXERCISE_KEYS: dict[str, tuple[str, Any, float | None, float | None]] = {
    "name": ("str", ..., None, None),
    "movement": ("str", ..., None, None),
    "posture": ("str", "sit", None, None),
    "reps": ("int", ..., 1, 100),
    "target_range_deg": ("range", None, 1, 90),
    "hold_s": ("number", 0.0, 0, 60),
    "tempo_out_s": ("number", None, 0.2, 20),
    "tempo_back_s": ("number", None, 0.2, 20),
    "rest_s": ("number", 10.0, 0, 600),
    "instructions": ("str", "", None, None),
}


class ProgramError(ConfigError):
    """A programme file is invalid; the message is one line naming the key."""


@dataclass(frozen=True)
class Exercise:
    name: str
    movement: str
    posture: str
    reps: int
    target_range_deg: tuple[float, ...] | None
    hold_s: float
    tempo_out_s: float | None
    tempo_back_s: float | None
    rest_s: float
    instructions: str

    @property
    def targets(self) -> Targets:
        return Targets(self.target_range_deg, self.hold_s, self.tempo_out_s, self.tempo_back_s)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["target_range_deg"] = list(self.target_range_deg) if self.target_range_deg else None
        return d


@dataclass(frozen=True)
class Program:
    name: str
    description: str
    sessions_per_week: float
    scenario: str
    exercises: tuple[Exercise, ...]
    path: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "name": self.name, "description": self.description,
                "sessions_per_week": self.sessions_per_week, "scenario": self.scenario,
                "exercises": [e.to_dict() for e in self.exercises]}


def _value(v: Any, kind: str, lo: float | None, hi: float | None, src: str, path: str) -> Any:
    def bad(msg: str) -> ProgramError:
        return ProgramError(f"{src}: {path}: {msg}")

    shown = json.dumps(v)[:40]
    if kind == "str":
        if not isinstance(v, str):
            raise bad(f"expected a string, got {shown}")
        return v
    if kind == "list":
        if not isinstance(v, list):
            raise bad(f"expected a list, got {shown}")
        return v
    if kind == "range":  # a number, or [first side, second side] for two-sided movements
        items = v if isinstance(v, list) else [v]
        if not 1 <= len(items) <= 2:
            raise bad(f"expected a number or a list of two numbers, got {shown}")
        return tuple(_value(x, "number", lo, hi, src, path) for x in items)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if kind == "int":
        ok = ok and float(v).is_integer()
    if not ok:
        raise bad(f"expected {'an integer' if kind == 'int' else 'a number'}, got {shown}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        raise bad(f"{v:g} is out of range {lo:g} … {hi:g}")
    return int(v) if kind == "int" else float(v)


def _check(obj: Any, spec: dict[str, tuple[str, Any, float | None, float | None]], src: str,
           where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ProgramError(f"{src}: {where or 'programme'}: expected an object")
    for k in obj:
        if k not in spec:
            raise ProgramError(f"{src}: {where + '.' if where else ''}{k}: unknown key "
                               f"(expected one of {', '.join(spec)})")
    out: dict[str, Any] = {}
    for k, (kind, default, lo, hi) in spec.items():
        path = f"{where}.{k}" if where else k
        if k not in obj or (obj[k] is None and default is None):
            if default is ...:
                raise ProgramError(f"{src}: {path}: missing required key")
            out[k] = default
        else:
            out[k] = _value(obj[k], kind, lo, hi, src, path)
    return out


def validate(raw: Any, source: str = "programme") -> Program:
    """Check a programme dict; :class:`ProgramError` (one line, naming the key) if bad."""
    top = _check(raw, TOP_KEYS, source, "")
    if top["format"] != FORMAT:
        raise ProgramError(f"{source}: format: {top['format']!r} is not {FORMAT!r}")
    if not top["exercises"]:
        raise ProgramError(f"{source}: exercises: needs at least one exercise")
    exs = []
    for i, e in enumerate(top["exercises"]):
        w = f"exercises[{i}]"
        d = _check(e, EXERCISE_KEYS, source, w)
        if d["movement"] not in MOVEMENTS:
            raise ProgramError(f"{source}: {w}.movement: {d['movement']!r} is not one of "
                               f"{', '.join(MOVEMENTS)}")
        if d["posture"] not in ("sit", "stand"):
            raise ProgramError(f"{source}: {w}.posture: {d['posture']!r} is not one of sit, stand")
        rng = d["target_range_deg"]
        if rng is not None and len(rng) == 2 and d["movement"] not in TWO_SIDED:
            raise ProgramError(f"{source}: {w}.target_range_deg: two values are only for "
                               f"two-sided movements ({', '.join(TWO_SIDED)})")
        exs.append(Exercise(**d))
    return Program(top["name"], top["description"], top["sessions_per_week"], top["scenario"],
                   tuple(exs), source)


def load_program(path_or_name: str | Path) -> Program:
    """Read and validate a programme file (a path, or the name of a bundled example). A bare
    name is the bundled programme unless a *file* of that name exists (a folder never hides it)."""
    p = Path(path_or_name)
    if not p.is_file() and p.suffix == "" and (PROGRAM_DIR / f"{p.name}.json").exists():
        p = PROGRAM_DIR / f"{p.name}.json"
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise ProgramError(f"{path_or_name}: cannot read ({e.strerror}); examples: "
                           f"{', '.join(list_programs())}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProgramError(f"{p.name}: not valid JSON at line {e.lineno} column {e.colno}: "
                           f"{e.msg}") from None
    prog = validate(raw, p.name)
    return Program(prog.name, prog.description, prog.sessions_per_week, prog.scenario,
                   prog.exercises, str(p))


def list_programs() -> list[str]:
    """Names of the bundled example programmes."""
    return sorted(x.stem for x in PROGRAM_DIR.glob("*.json"))
