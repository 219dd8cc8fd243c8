"""Writing a user's files without ever destroying one: the one helper every command uses.

Three rules, checked and applied here so that every command follows them the same way
(docs/cli.md, "Your files are safe"):

1. An output that is one of the command's inputs is refused, ``--force`` or not
   (``kyphos export IN.kyr -o IN.kyr`` would otherwise replace the recording with a CSV).
2. An existing output is kept unless the user passed ``--force``.
3. Every file is written under a temporary name in the same folder (``.STEM.tmp-<pid>.EXT``) and
   renamed to its final name only once it is complete, so an interrupted or failed write never
   leaves a half-written file under the final name, and never truncates the old one. The rename
   is ``os.replace`` (atomic on POSIX when both names are in the same folder, per the Python docs
   of ``os.replace``); without ``--force`` the final name is claimed with ``os.link``, which fails
   if the name appeared in the meantime (POSIX ``link(2)``: EEXIST), so a file created by someone
   else between the check and the rename is not replaced either.

A recording in progress is the one exception: :mod:`kyphos.recording.kyr` writes it append-only
and crash-safe under its final name (a killed recorder must leave everything it got), and opens
it with ``"xb"`` unless forced.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from kyphos.errors import KyphosError

PathLike = str | os.PathLike[str]


class OutputError(KyphosError):
    """An output cannot be written where asked (it is an input, it exists, no such folder)."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def check_output(path: PathLike, *, force: bool = False, inputs: Iterable[PathLike] = (),
                 what: str = "output") -> Path:
    """Refuse an output that is an input, that exists (unless ``force``), that is a folder, or
    whose folder does not exist; return it as a :class:`~pathlib.Path`.

    Call it before the work starts, so that a long analysis is not run only to be refused."""
    p = Path(path)
    for inp in inputs:
        if _same_file(p, Path(inp)):
            raise OutputError(f"{what} {p} is also an input: choose another output name "
                              "(an input is never overwritten, even with --force)")
    if p.is_dir():
        raise OutputError(f"{what} {p} is a folder: give a file name")
    if p.exists() and not force:
        raise OutputError(f"{what} {p} exists: choose another name, or pass --force to replace it")
    parent = p.parent
    if not parent.is_dir():
        raise OutputError(f"{what} {p}: folder {parent} does not exist; create it first "
                          f"(mkdir -p {parent}) or choose another folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{what} {p}: folder {parent} is not writable; choose another folder")
    return p


def _tmp_name(p: Path) -> Path:
    """``.NAME.tmp-PID.EXT`` beside ``p``: hidden, unique per process, and with the final
    suffix kept, so writers that choose the format from it (matplotlib) still do."""
    return p.with_name(f".{p.stem}.tmp-{os.getpid()}{p.suffix}")


def _publish(tmp: Path, final: Path, force: bool) -> None:
    if force:
        os.replace(tmp, final)
        return
    try:
        os.link(tmp, final)  # fails with EEXIST if the name was taken meanwhile
    except FileExistsError:
        raise OutputError(f"output {final} appeared while it was being written; it was kept "
                          "(pass --force to replace it)") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        if final.exists():  # no hard links on this filesystem (FAT, some network drives)
            raise OutputError(f"output {final} appeared while it was being written; it was "
                              "kept (pass --force to replace it)") from None
        os.replace(tmp, final)
        return
    tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: PathLike, *, force: bool = False, inputs: Iterable[PathLike] = (),
                what: str = "output") -> Iterator[Path]:
    """A temporary path in the output's folder to write to; renamed to ``path`` when the
    ``with`` block ends without an exception, deleted otherwise.

    For writers that want a file name (matplotlib's ``savefig``, ``PdfPages``)."""
    final = check_output(path, force=force, inputs=inputs, what=what)
    tmp = _tmp_name(final)
    try:
        yield tmp
        if not tmp.exists():
            raise OutputError(f"{what} {final}: nothing was written")
        _publish(tmp, final, force)
    except OSError as exc:
        raise OutputError(f"cannot write {final}: {exc.strerror or exc}; choose another place "
                          "to write it") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", *, force: bool = False,
                inputs: Iterable[PathLike] = (), what: str = "output",
                **open_kw: Any) -> Iterator[IO[Any]]:
    """``open()`` on a temporary name beside ``path``; renamed to ``path`` when complete."""
    if "b" not in mode:
        open_kw.setdefault("encoding", "utf-8")
    with atomic_path(path, force=force, inputs=inputs, what=what) as tmp, \
            open(tmp, mode, **open_kw) as f:
        yield f


def write_text(path: PathLike, text: str, *, force: bool = False,
               inputs: Iterable[PathLike] = (), what: str = "output") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, under the rules above."""
    with atomic_open(path, "w", force=force, inputs=inputs, what=what) as f:
        f.write(text)
    return Path(path)


def write_bytes(path: PathLike, data: bytes, *, force: bool = False,
                inputs: Iterable[PathLike] = (), what: str = "output") -> Path:
    """Write ``data`` to ``path`` atomically, under the rules above."""
    with atomic_open(path, "wb", force=force, inputs=inputs, what=what) as f:
        f.write(data)
    return Path(path)


def new_folder(path: PathLike, *, force: bool = False, inputs: Iterable[PathLike] = (),
               what: str = "output folder") -> Path:
    """An output folder for many files (a batch of reports): created new; an existing folder
    that is not empty is refused unless ``force`` (then files in it are replaced one by one,
    each atomically); an input folder itself is refused, ``force`` or not."""
    p = Path(path)
    for inp in inputs:
        if _same_file(p, Path(inp)):
            raise OutputError(f"{what} {p} is also an input: choose another folder for the "
                              "reports")
    if p.exists() and not p.is_dir():
        raise OutputError(f"{what} {p} is a file: give a folder name")
    if p.is_dir() and any(p.iterdir()) and not force:
        raise OutputError(f"{what} {p} exists and is not empty: choose a new folder, or pass "
                          "--force to replace the reports in it")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {what} {p}: {exc.strerror or exc}") from None
    return p
