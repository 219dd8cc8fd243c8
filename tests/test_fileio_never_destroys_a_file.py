"""kyphos.fileio: an input is never an output, an existing file is kept unless forced, a write
that fails half-way leaves the old file as it was and no temporary file behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.fileio import (
    OutputError,
    atomic_open,
    atomic_path,
    check_output,
    new_folder,
    write_text,
)


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old report")
    with pytest.raises(RuntimeError), atomic_open(out, force=True) as f:
        f.write("half of a new rep")
        raise RuntimeError("the analysis died here")
    assert out.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_the_new_file_appears_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    with atomic_open(out) as f:
        f.write("t_s\n")
        assert not out.exists()  # still under its temporary name
        tmp = [p for p in tmp_path.iterdir()]
        assert len(tmp) == 1 and tmp[0].name.startswith(".a.tmp-") and tmp[0].suffix == ".csv"
    assert out.read_text() == "t_s\n"


def test_existing_outputs_and_inputs(tmp_path: Path) -> None:
    inp = tmp_path / "s.kyr"
    inp.write_bytes(b"KYR")
    with pytest.raises(OutputError, match="also an input"):
        check_output(inp, force=True, inputs=[inp])
    with pytest.raises(OutputError, match="also an input"):  # the same file by another name
        check_output(tmp_path / "." / "s.kyr", force=True, inputs=[str(inp)])
    with pytest.raises(OutputError, match="--force"):
        write_text(inp, "csv")
    assert inp.read_bytes() == b"KYR"
    with pytest.raises(OutputError, match="does not exist"):
        check_output(tmp_path / "nope" / "x.csv")
    with pytest.raises(OutputError, match="is a folder"):
        check_output(tmp_path)


def test_a_file_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "x.png"
    with pytest.raises(OutputError, match="appeared"), atomic_path(out) as tmp:
        tmp.write_bytes(b"ours")
        out.write_bytes(b"someone else's")  # created between the check and the rename
    assert out.read_bytes() == b"someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]


def test_batch_folder_is_new_or_empty(tmp_path: Path) -> None:
    assert new_folder(tmp_path / "r").is_dir()
    (tmp_path / "r" / "index.html").write_text("old")
    with pytest.raises(OutputError, match="not empty"):
        new_folder(tmp_path / "r")
    assert new_folder(tmp_path / "r", force=True).is_dir()
    with pytest.raises(OutputError, match="also an input"):
        new_folder(tmp_path / "r", force=True, inputs=[tmp_path / "r"])
