"""Type-check firmware/ with mypy against the MicroPython ESP32 stubs.

    .venv/bin/python tests/firmware/typecheck.py [mypy options]

micropython-esp32-stubs installs its module stubs (machine.pyi, time.pyi, …) flat into
site-packages, next to micropython-stdlib-stubs' `stdlib/` (a reduced typeshed) and `_mpy_shed`.
mypy does not pick up flat stub files from site-packages, and it must not see CPython's own
stdlib for `time`, `struct`, `gc`, … So this builds a typeshed in a temporary folder, the
MicroPython stdlib overlaid with the port's stubs, and runs mypy with `--custom-typeshed-dir`
and `--no-site-packages`. Exit status is mypy's (non-zero on errors).
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"


def _site_packages() -> Path:
    for sp in site.getsitepackages():
        if (Path(sp) / "stdlib" / "VERSIONS").is_file() and (Path(sp) / "machine.pyi").is_file():
            return Path(sp)
    sys.exit("typecheck: micropython-esp32-stubs is not installed (pip install -e '.[dev]')")


def _port_stub_names(sp: Path) -> list[str]:
    """Top-level names (module.pyi or package folder) of the ESP32 stubs, from their RECORD."""
    names: set[str] = set()
    for record in sp.glob("micropython_esp32_stubs-*.dist-info/RECORD"):
        for line in record.read_text().splitlines():
            path = line.split(",", 1)[0]
            top = path.split("/", 1)[0]
            if path.endswith(".pyi") and not top.endswith(".dist-info"):
                names.add(top)
    return sorted(names)


def build_typeshed(sp: Path, dest: Path) -> Path:
    stdlib = dest / "stdlib"
    shutil.copytree(sp / "stdlib", stdlib)
    shutil.copytree(sp / "_mpy_shed", stdlib / "_mpy_shed")
    shutil.copytree(sp / "stubs", dest / "stubs")  # mypy_extensions, which mypy requires
    versions = (stdlib / "VERSIONS").read_text()
    known = {line.split(":", 1)[0].strip() for line in versions.splitlines() if ":" in line}
    added = ["_mpy_shed: 3.0-"]
    for name in _port_stub_names(sp):
        src = sp / name
        module = name.removesuffix(".pyi")
        if src.is_dir():
            shutil.copytree(src, stdlib / name, dirs_exist_ok=True)
        else:
            shutil.copy2(src, stdlib / name)  # the port's stub wins over the stdlib copy
        if module not in known:
            added.append(f"{module}: 3.0-")
    (stdlib / "VERSIONS").write_text(versions + "\n" + "\n".join(added) + "\n")
    return dest


def main(argv: list[str]) -> int:
    files = sorted(str(p) for p in FIRMWARE.glob("*.py"))
    if not files:
        print("typecheck: no firmware/*.py files")
        return 0
    sp = _site_packages()
    with tempfile.TemporaryDirectory(prefix="kyphos-typeshed-") as tmp:
        typeshed = build_typeshed(sp, Path(tmp))
        cmd = [
            sys.executable, "-m", "mypy",
            "--config-file", "",  # not the host's [tool.mypy]
            "--custom-typeshed-dir", str(typeshed),
            "--no-site-packages",
            "--python-version", "3.11",
            "--cache-dir", str(Path(tmp) / "cache"),
            "--follow-imports", "silent",
            *argv,
            *files,
        ]
        # firmware modules import each other by plain name
        env = {"MYPYPATH": str(FIRMWARE), "PATH": "/usr/bin:/bin"}
        return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
