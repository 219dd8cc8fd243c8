"""Build hook: ship the top-level ``firmware/`` folder inside the wheel as ``kyphos/_firmware/``.

All metadata lives in pyproject.toml; this file only adds one step to ``build_py``. The
firmware has one source of truth, ``firmware/`` at the top of the repository (DESIGN.md); the
copy is made at build time, so a wheel (and a wheel built from the sdist, which grafts
``firmware/`` through MANIFEST.in) holds the same files. An editable install skips the copy:
setuptools runs build sub-commands with ``editable_mode = True`` for PEP 660 builds and
"subcommands SHOULD take advantage of editable_mode=True" (setuptools
``setuptools/command/build.py``, ``SubCommand`` protocol); a checkout finds ``firmware/`` itself
(``kyphos.resources.firmware_dir``).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

FIRMWARE = Path(__file__).resolve().parent / "firmware"
PACKAGED = ("kyphos", "_firmware")  # where the copy goes inside the package


def firmware_files() -> list[Path]:
    """Every file of ``firmware/`` that goes to a board (no caches or compiled files)."""
    return sorted(p for p in FIRMWARE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".mpy"))


class build_py_with_firmware(build_py):  # noqa: N801 - named like the command it extends
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        files = firmware_files()
        if not any(p.name == "boards.py" for p in files):
            raise SystemExit(f"kyphos build: {FIRMWARE} has no boards.py; the firmware is missing")
        target = Path(self.build_lib).joinpath(*PACKAGED)
        for src in files:
            dst = target / src.relative_to(FIRMWARE)
            self.mkpath(str(dst.parent))
            self.copy_file(str(src), str(dst))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        target = Path(self.build_lib).joinpath(*PACKAGED)
        return [*super().get_outputs(include_bytecode),
                *(str(target / p.relative_to(FIRMWARE)) for p in firmware_files())]


setup(cmdclass={"build_py": build_py_with_firmware})
