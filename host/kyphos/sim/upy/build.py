"""Build the MicroPython 1.28 unix port with NimBLE (double and single-precision floats).

Sources, in order:

1. ``$KYPHOS_MPY_TARBALL``, or ``../shared/vendor/micropython-1.28.0-unix-src.tar.xz`` next to
   the repository: unpacked after a sha256 check (:data:`TARBALL_SHA256`);
2. otherwise a pinned clone of tag ``v1.28.0`` of https://github.com/micropython/micropython with
   the submodules the unix port needs at the commits that tag pins (``make submodules`` in
   ``ports/unix`` with the same variables, MicroPython's own way of fetching them).

The build command is the one in the vendored README (``MICROPY_BLUETOOTH_NIMBLE=1``; the stock
frozen manifest needs ssl/mip, so ours freezes only ``asyncio``). The single-precision build adds
``-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT`` as the ESP32 port uses
(``ports/esp32/mpconfigport.h``: ``MICROPY_FLOAT_IMPL_FLOAT``).

Everything lands in a git-ignored cache folder, ``build/micropython/`` in the repository (or
``$KYPHOS_MPY_CACHE``); a stamp file holds the pin (source sha256 or tag + the build flags), and
nothing is rebuilt while the stamp matches.

    python -m kyphos.sim.upy.build          # builds if needed, prints the binaries
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kyphos.errors import KyphosError

TAG = "v1.28.0"
REPO_URL = "https://github.com/micropython/micropython"
TARBALL_NAME = "micropython-1.28.0-unix-src.tar.xz"
TARBALL_SHA256 = "9b92ed831eff1d01c52a7c34369f469ec062d9aface4b6e426f4290f445812d7"
MANIFEST = 'include("$(MPY_DIR)/extmod/asyncio")\n'
COMMON_FLAGS = ("MICROPY_PY_BLUETOOTH=1", "MICROPY_BLUETOOTH_NIMBLE=1", "MICROPY_PY_BTREE=0",
                "MICROPY_PY_SSL=0", "MICROPY_PY_FFI=0")
FLOAT32_CFLAGS = "-DMICROPY_FLOAT_IMPL=MICROPY_FLOAT_IMPL_FLOAT"
VARIANTS = {"double": "", "float32": FLOAT32_CFLAGS}
PIN_VERSION = 1  # bump when the build recipe changes

_REPO = Path(__file__).resolve().parents[4]


class BuildError(KyphosError):
    """The port could not be built (one line for the user: the CLI prints it as such)."""


@dataclass(frozen=True)
class Binaries:
    double: Path
    float32: Path

    def for_floats(self, floats: str) -> Path:
        if floats not in VARIANTS:
            raise BuildError(f"unknown float build {floats!r} (double or float32)")
        return self.double if floats == "double" else self.float32


def cache_dir() -> Path:
    env = os.environ.get("KYPHOS_MPY_CACHE")
    if env:
        return Path(env)
    if (_REPO / "pyproject.toml").is_file() and (_REPO / "firmware").is_dir():
        return _REPO / "build" / "micropython"
    return Path.home() / ".cache" / "kyphos" / "micropython"


def vendored_tarball() -> Path | None:
    env = os.environ.get("KYPHOS_MPY_TARBALL")
    candidates = [Path(env)] if env else []
    candidates.append(_REPO.parent / "shared" / "vendor" / TARBALL_NAME)
    for c in candidates:
        if c.is_file():
            return c
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pin(source: str) -> str:
    return f"{PIN_VERSION}|{source}|{' '.join(COMMON_FLAGS)}|{FLOAT32_CFLAGS}|{MANIFEST!r}"


def _binary(root: Path, variant: str) -> Path:
    return root / "micropython" / "ports" / "unix" / f"build-nimble-{variant}" / \
        f"micropython-nimble-{variant}"


def _cached(root: Path, pin: str) -> Binaries | None:
    stamp = root / "STAMP"
    if not stamp.is_file() or stamp.read_text() != pin:
        return None
    b = Binaries(_binary(root, "double"), _binary(root, "float32"))
    return b if b.double.is_file() and b.float32.is_file() else None


def _run(cmd: list[str], cwd: Path, log: Path) -> None:
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        r = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, check=False)
    if r.returncode:
        raise BuildError(f"building MicroPython failed: {' '.join(cmd[:3])} … (see {log})")


def _make_flags(variant: str, manifest: Path) -> list[str]:
    flags = [*COMMON_FLAGS, f"FROZEN_MANIFEST={manifest}", f"BUILD=build-nimble-{variant}",
             f"PROG=micropython-nimble-{variant}"]
    if VARIANTS[variant]:
        flags.append(f"CFLAGS_EXTRA={VARIANTS[variant]}")
    return flags


def missing_tools() -> list[str]:
    """Build tools that are not on PATH (``tools/system-deps.sh`` installs them)."""
    return [t for t in ("gcc", "make") if shutil.which(t) is None]


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """One builder at a time (pytest-xdist workers, two commands at once)."""
    root = cache_dir()
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _cached_any(root: Path) -> Binaries | None:
    """The cache built from either source: the pinned tarball and the clone of its tag are the
    same sources, so a cache built from one is not stale for a machine that has only the other
    (without this, a checkout that cannot see ``../shared/vendor/`` wiped a good build, then could
    not clone offline)."""
    return _cached(root, _pin(f"sha256:{TARBALL_SHA256}")) or _cached(root, _pin(f"git:{TAG}"))


def ensure_built(progress: Callable[[str], None] | None = None, jobs: int = 2) -> Binaries:
    """Return the two binaries, building them first if the cache does not hold this pin."""
    tarball = vendored_tarball()
    have = _cached_any(cache_dir())
    if have:
        return have
    with _locked():
        return _ensure_built(tarball, progress, jobs)


def _ensure_built(tarball: Path | None, progress: Callable[[str], None] | None,
                  jobs: int) -> Binaries:
    source = f"sha256:{TARBALL_SHA256}" if tarball else f"git:{TAG}"
    pin = _pin(source)
    root = cache_dir()
    have = _cached_any(root)
    if have:
        return have
    tools = missing_tools()
    if tools:
        raise BuildError(f"building MicroPython needs {' and '.join(tools)} "
                         "(Debian: apt-get install build-essential)")
    if tarball is not None and _sha256(tarball) != TARBALL_SHA256:  # before touching the cache
        raise BuildError(f"{tarball}: sha256 does not match the pin {TARBALL_SHA256[:12]}…")
    say = progress or (lambda _m: None)
    say(f"building MicroPython {TAG} unix port with NimBLE into {root} (first run, ~1 min)")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    log = root / "build.log"
    if tarball is not None:
        with tarfile.open(tarball) as tf:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
                tf.extractall(root, filter="data")
            else:
                tf.extractall(root)  # noqa: S202 - our pinned, sha256-checked tarball
    else:
        if shutil.which("git") is None:
            raise BuildError("no vendored MicroPython sources and no git to clone them")
        _run(["git", "clone", "--depth", "1", "--branch", TAG, REPO_URL, "micropython"], root, log)
    top = root / "micropython"
    manifest = root / "manifest.py"
    manifest.write_text(MANIFEST)
    unix = top / "ports" / "unix"
    if tarball is None:
        _run(["make", "submodules", *_make_flags("double", manifest)], unix, log)
    _run(["make", "-C", str(top / "mpy-cross"), f"-j{jobs}"], top, log)
    for variant in VARIANTS:
        _run(["make", f"-j{jobs}", *_make_flags(variant, manifest)], unix, log)
    (root / "STAMP").write_text(pin)
    have = _cached(root, pin)
    if have is None:
        raise BuildError(f"MicroPython build finished without its binaries (see {log})")
    say("MicroPython built")
    return have


def m32_works() -> bool:
    """True if gcc can link 32-bit x86 programs (Debian: gcc-multilib)."""
    if shutil.which("gcc") is None:
        return False
    root = cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    src = root / "m32-check.c"
    src.write_text("int main(void){return 0;}\n")
    r = subprocess.run(["gcc", "-m32", str(src), "-o", str(root / "m32-check")],
                       capture_output=True, check=False)
    return r.returncode == 0


def ensure_m32(progress: Callable[[str], None] | None = None, jobs: int = 2) -> Path:
    """A third binary, single-precision floats on a 32-bit build (``MICROPY_FORCE_32BIT=1``):
    objects, words and the small-int/ticks period (2**30) as on the ESP32, so its heap
    figures need no ``w`` scaling (``-X heapsize=120K`` is 120 KB as on a board). Optional
    (benchmarks only): needs gcc-multilib. Its own stamp; the main build comes first."""
    ensure_built(progress, jobs)
    root = cache_dir()
    pin = _pin(f"m32:{(root / 'STAMP').read_text()}")
    stamp = root / "STAMP-m32"
    binary = _binary(root, "float32-m32")
    if stamp.is_file() and stamp.read_text() == pin and binary.is_file():
        return binary
    with _locked():
        return _build_m32(root, pin, stamp, binary, progress, jobs)


def _build_m32(root: Path, pin: str, stamp: Path, binary: Path,
               progress: Callable[[str], None] | None, jobs: int) -> Path:
    if stamp.is_file() and stamp.read_text() == pin and binary.is_file():
        return binary
    if not m32_works():
        raise BuildError("the 32-bit build needs gcc -m32 (Debian: apt-get install gcc-multilib)")
    if progress:
        progress("building the 32-bit MicroPython unix port (float32) for heap figures (~1 min)")
    manifest = root / "manifest.py"
    flags = [*_make_flags("float32", manifest)]
    flags = [f for f in flags if not f.startswith(("BUILD=", "PROG="))]
    flags += ["MICROPY_FORCE_32BIT=1", "BUILD=build-nimble-float32-m32",
              "PROG=micropython-nimble-float32-m32"]
    _run(["make", f"-j{jobs}", *flags], root / "micropython" / "ports" / "unix", root / "build.log")
    stamp.write_text(pin)
    return binary


def main() -> int:
    try:
        b = ensure_built(progress=lambda m: print(m, file=sys.stderr, flush=True))
    except BuildError as e:
        print(f"kyphos: {e}", file=sys.stderr)
        return 1
    print(b.double)
    print(b.float32)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
