"""The command examples in README.md and docs/*.md, and in every command's --help, as written.

* Every example line in a shell code block that needs no hardware and ends by itself is **run
  literally** (``kyphos.cli.main`` on its words, in a fresh folder holding the files the
  examples name) and must succeed; a few are checked for what the text says they produce.
* The others — a board (``--device kyphos-3A4F``, ``serial:/dev/…``), a Dask cluster, a window,
  or a run until Ctrl-C — are **parsed literally** by the real argument parser: the grammar in
  the docs is the grammar of the command.
* Synopsis lines (``[--log ID]``, ``TARGET``, ``…``) and inline ``kyphos …`` spans in the prose
  name only options that the command has (hidden old spellings count: docs/cli.md lists them).
"""

from __future__ import annotations

import math
import re
import shlex
import shutil
from pathlib import Path

import pytest
from kyphos.cli import build_parser, main
from kyphos.recording.synth import write_synth

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_CMD = re.compile(r"^(?:\w+=\S+ )*(?:\.venv/bin/)?kyphos [a-z]")
_PLACEHOLDER = re.compile(r"[\[…<|]|\b(TARGET|FILE|KEY|PORT|DIR|ID|NAME|OUT|X|N|S|PTY|NEWPORT)\b")
HARDWARE = re.compile(r"(--device|-d)[ =](?!sim\b|sim:|replay:)|\bserial:|--port\b|--scheduler\b")
RUN = {"analyze", "export", "report", "compare", "info", "exercise", "live"}
NOT_RUN_WHY = {  # first word -> why it is parsed, not run
    "sim": "runs until Ctrl-C", "demo": "run by tests/test_cli_demo.py (20 s)",
    "review": "opens a window", "scan": "listens to the radio", "flash": "hardware",
    "deploy": "hardware", "doctor": "hardware",
}


def _blocks() -> list[tuple[str, str]]:
    """(doc, command line) from the shell code blocks, comments cut off."""
    out = []
    for doc in DOCS:
        for m in re.finditer(r"```(\w*)\n(.*?)```", doc.read_text(encoding="utf-8"), re.S):
            if m.group(1) not in ("", "sh", "console", "bash", "shell"):
                continue
            for line in m.group(2).splitlines():
                line = re.split(r"\s+#", line, maxsplit=1)[0].strip()
                if _CMD.match(line):
                    out.append((doc.name, line))
    return out


def _spans() -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for m in re.finditer(r"`((?:\w+=\S+ )*kyphos [a-z][^`]*)`", doc.read_text(encoding="utf-8")):
            out.append((doc.name, m.group(1).strip()))
    return out


def _argv(line: str) -> list[str]:
    """The command's own words: no VAR=value prefix, nothing from a shell redirection or pipe."""
    words = shlex.split(line)
    while "=" in words[0]:
        words.pop(0)
    for i, w in enumerate(words):
        if w in (">", ">>", "|", "2>", "&&"):
            words = words[:i]
            break
    return words[1:]


def _runnable(line: str) -> bool:
    argv = _argv(line)
    return argv[0] in RUN and not HARDWARE.search(line) and not _PLACEHOLDER.search(line) \
        and not (argv[0] == "exercise" and "--device" in argv and "--check" not in argv)


BLOCKS = _blocks()
RUNNABLE = [(d, ln) for d, ln in BLOCKS if _runnable(ln)]
PARSED = [(d, ln) for d, ln in BLOCKS if not _runnable(ln) and not _PLACEHOLDER.search(ln)]
SYNOPSES = [(d, ln) for d, ln in BLOCKS if _PLACEHOLDER.search(ln)]


def _subparsers() -> dict[str, object]:
    import argparse

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _options(p: object) -> set[str]:
    import argparse

    out: set[str] = set()
    for a in p._actions:  # type: ignore[attr-defined]
        out.update(a.option_strings)
        if isinstance(a, argparse._SubParsersAction):
            for sp in a.choices.values():
                out |= _options(sp)
    return out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files the examples name (recordings of a synthetic wearer, a CSV, a programme)."""
    import kyphos
    from kyphos.recording.csv import write_csv

    d = tmp_path_factory.mktemp("docs-ws")
    write_synth(d / "session.kyr", 62.0)
    for name in ("monday.kyr", "tuesday.kyr", "visit1.kyr", "visit2.kyr", "visit3.kyr", "s.kyr",
                 "study/a.kyr", "study/b.kyr", "visits/v1.kyr", "visits/v2.kyr"):
        (d / name).parent.mkdir(exist_ok=True)
        shutil.copyfile(d / "session.kyr", d / name)
    write_csv(d / "data.csv", kyphos.load(d / "session.kyr"))
    shutil.copyfile(d / "data.csv", d / "imu.csv")
    progs = ROOT / "host" / "kyphos" / "assess" / "programs"
    shutil.copyfile(sorted(progs.glob("*.json"))[0], d / "my.json")
    return d


def test_the_docs_have_examples_of_each_kind() -> None:
    assert len(RUNNABLE) >= 8 and len(PARSED) >= 10 and len(SYNOPSES) >= 5, (RUNNABLE, PARSED)


@pytest.mark.parametrize("doc,line", RUNNABLE, ids=[ln for _d, ln in RUNNABLE])
def test_example_runs_as_written(doc: str, line: str, workspace: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(workspace, ws)
    monkeypatch.chdir(ws)
    argv = _argv(line)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, f"{doc}: `{line}` exited {code}: {err}"
    assert "Traceback" not in out + err
    if argv[0] == "live" and "--headless-frames" in argv:  # "--every N keeps every Nth"
        m = re.search(r"(\d+) frames drawn .* (\d+) PNG\(s\) \(every (\d+)th", out)
        assert m, out
        drawn, written, every = map(int, m.groups())
        folder = ws / argv[argv.index("--headless-frames") + 1]
        assert len(list(folder.glob("frame-*.png"))) == written == math.ceil(drawn / every)
        assert written > 1  # the guide's example writes more than its first frame
        if "--speed" in argv and argv[argv.index("--speed") + 1] == "0":
            assert "(0 dropped)" in out  # rendered frame by frame
    if "-o" in argv and argv[0] in ("report", "compare", "export"):
        assert (ws / argv[argv.index("-o") + 1]).exists()
    if argv[0] == "report" and "--pdf" in argv:
        i = argv.index("--pdf")
        pdf = argv[i + 1] if i + 1 < len(argv) and not argv[i + 1].startswith("-") else None
        if pdf:
            assert (ws / pdf).read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("doc,line", PARSED, ids=[ln for _d, ln in PARSED])
def test_example_parses_as_written(doc: str, line: str) -> None:
    argv = _argv(line)
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"{doc}: `{line}` is not valid kyphos grammar (exit {exc.code})")
    assert getattr(args, "func", None) is not None, line


def _check_options(doc: str, line: str) -> None:
    subs = _subparsers()
    argv = _argv(line)
    if argv[0] not in subs:
        return  # prose such as "kyphos firmware 0.1.0 running on …"
    known = _options(subs[argv[0]]) | _options(build_parser())
    used = {w.split("=")[0] for w in argv if w.startswith("-") and not re.match(r"^-\d", w)}
    assert used <= known, f"{doc}: `{line}` uses {sorted(used - known)}"


@pytest.mark.parametrize("doc,line", SYNOPSES + _spans(),
                         ids=[ln for _d, ln in SYNOPSES + _spans()])
def test_synopses_and_prose_name_real_options(doc: str, line: str) -> None:
    _check_options(doc, line)


def test_help_examples_parse() -> None:
    """Every `kyphos …` line in every command's --help examples is valid grammar."""
    for name, p in _subparsers().items():
        for raw in (p.epilog or "").splitlines():  # type: ignore[attr-defined]
            line = re.split(r"\s+#", raw, maxsplit=1)[0].strip()
            if not _CMD.match(line):
                continue
            if _PLACEHOLDER.search(line) or "KYPHOS_BUMBLE" in line:
                _check_options(name, line)
                continue
            try:
                build_parser().parse_args(_argv(line))
            except SystemExit as exc:
                pytest.fail(f"kyphos {name} --help: `{line}` is not valid (exit {exc.code})")
