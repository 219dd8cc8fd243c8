"""Every command that reads a file or a device, over generated bad inputs (issue 16, item 2).

For each (command, input) pair the sweep asserts what a user is promised (docs/cli.md):

* no traceback, and no "internal error" (the last-resort line ``kyphos.cli.main`` prints for a
  bug — the sweep treats that as a failure too);
* a failure is one line on stderr, ``kyphos: ...``, naming the problem (the file, the flag, or
  the device) and what to do;
* the exit status is not 0, unless a usable result was produced *and* it says what is wrong
  with the data (a warning line, or ``valid: false`` / ``warnings`` in the JSON);
* no input file changed (SHA-256 of every input before and after), and nothing was left
  beside the output (no temporary file).

The commands run in-process through :func:`kyphos.cli.main` (fast); a few run as real
processes at the end to show the exit status a shell sees.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.processing.synthetic import lift_session, mounting
from kyphos.recording.csv import write_csv
from kyphos.recording.synth import write_synth
from kyphos.session import Session

G = 9.80665
HEADER = "t_s,ax,ay,az,gx,gy,gz"


def _rows(fs: float = 104.0, seconds: float = 70.0) -> np.ndarray:
    s = lift_session(seconds, fs, n_lifts=3, mount=mounting(5, 10, 0), seed=3)
    return np.column_stack([s.time, s.acc, s.gyr])


def _csv(arr: np.ndarray, header: str = HEADER, sep: str = ",") -> bytes:
    lines = [header.replace(",", sep)]
    lines += [sep.join(f"{v:.6g}" for v in row) for row in arr]
    return ("\n".join(lines) + "\n").encode()


def _csv_cases() -> dict[str, Callable[[], bytes]]:
    def good() -> bytes:
        return _csv(_rows())

    def nan() -> bytes:
        a = _rows()
        a[100:140, 1] = np.nan
        return _csv(a)

    def inf() -> bytes:
        a = _rows()
        a[200, 4] = np.inf
        return _csv(a)

    def text() -> bytes:
        return good().replace(b"\n", b"\nabc,def,ghi,1,2,3,4\n", 1)

    def non_monotonic() -> bytes:
        a = _rows()
        a[[500, 501]] = a[[501, 500]]
        return _csv(a)

    def duplicate() -> bytes:
        a = _rows()
        a[600, 0] = a[599, 0]
        return _csv(a)

    def reversed_() -> bytes:
        return _csv(_rows()[::-1])

    def two() -> bytes:
        return _csv(_rows()[:2])

    def hz10k() -> bytes:
        a = _rows()
        a[:, 0] = np.arange(len(a)) * 1e-4
        return _csv(a)

    def hz5() -> bytes:
        a = _rows(fs=5.0, seconds=120.0)
        return _csv(a)

    def ms() -> bytes:
        a = _rows()
        a[:, 0] *= 1000.0
        return _csv(a)

    def acc_g() -> bytes:
        a = _rows()
        a[:, 1:4] /= G
        return _csv(a)

    def gyr_deg() -> bytes:
        a = _rows()
        a[:, 4:7] = np.degrees(a[:, 4:7])
        return _csv(a)

    return {
        "empty.csv": lambda: b"",
        "header-only.csv": lambda: (HEADER + "\n").encode(),
        "wrong-columns.csv": lambda: b"time,a,b,c\n0,1,2,3\n0.01,1,2,3\n",
        "missing-columns.csv": lambda: _csv(_rows()[:, :4], "t_s,ax,ay,az"),
        "semicolons.csv": lambda: _csv(_rows()[:500], sep=";"),
        "tabs.csv": lambda: _csv(_rows()[:500], sep="\t"),
        "nan.csv": nan,
        "inf.csv": inf,
        "text.csv": text,
        "non-monotonic.csv": non_monotonic,
        "duplicate-times.csv": duplicate,
        "reversed-times.csv": reversed_,
        "two-samples.csv": two,
        "10khz.csv": hz10k,
        "5hz.csv": hz5,
        "time-in-ms.csv": ms,
        "acc-in-g.csv": acc_g,
        "gyro-in-deg-s.csv": gyr_deg,
        "random-bytes.csv": lambda: np.random.default_rng(1).bytes(3000),
    }


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad-inputs")
    out: dict[str, Path] = {}
    for name, make in _csv_cases().items():
        p = d / name
        p.write_bytes(make())
        out[name] = p
    good = d / "good.kyr"
    write_synth(good, 70.0)
    out["good.kyr"] = good
    raw = good.read_bytes()
    rng = np.random.default_rng(2)
    flipped = bytearray(raw)
    for i in rng.integers(64, len(raw), 40):
        flipped[i] ^= 1 << int(rng.integers(0, 8))
    for name, data in {"random-bytes.kyr": rng.bytes(5000), "truncated.kyr": raw[: len(raw) // 2 + 7],
                       "bit-flipped.kyr": bytes(flipped), "empty.kyr": b"",
                       "header-cut.kyr": raw[:40]}.items():
        (d / name).write_bytes(data)
        out[name] = d / name
    folder = d / "a-folder.kyr"
    folder.mkdir()
    out["folder"] = folder
    out["missing"] = d / "no-such-file.kyr"
    good_csv = d / "good.csv"
    arr = _rows()
    write_csv(good_csv, Session(time=arr[:, 0], acc=arr[:, 1:4], gyr=arr[:, 4:7], fs=104.0))
    out["good.csv"] = good_csv
    return out


def _digest(paths: list[Path]) -> dict[Path, str]:
    out = {}
    for p in paths:
        if p.is_file():
            out[p] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


FILE_COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "analyze": lambda f, o: ["analyze", str(f), "--json"],
    "export": lambda f, o: ["export", str(f), "-o", str(o / "angles.csv")],
    "report": lambda f, o: ["report", str(f), "-o", str(o / "r.html"), "--no-progress"],
    "review": lambda f, o: ["review", str(f), "--export", str(o / "v.png")],
    "info": lambda f, o: ["info", str(f)],
    "compare": lambda f, o: ["compare", str(f), "-o", str(o / "p.html"), "--no-progress"],
}

BAD_FILES = [*_csv_cases(), "random-bytes.kyr", "truncated.kyr", "bit-flipped.kyr", "empty.kyr",
             "header-cut.kyr", "folder", "missing"]
# results that are usable with a warning: the data are readable but implausible
WARNED_OK = ("warning", '"valid": false', "valid: NO", "\n  ! ", "DAMAGED")


def _check(argv: list[str], capsys: pytest.CaptureFixture[str], ins: list[Path],
           outdir: Path) -> tuple[int, str, str]:
    before = _digest(ins)
    code = main(argv)
    cap = capsys.readouterr()
    out, err = cap.out, cap.err
    both = out + err
    assert "Traceback" not in both, both[-2000:]
    assert "internal error" not in err, err
    assert _digest(ins) == before, "an input file changed"
    assert not [p for p in outdir.glob(".*tmp-*")], "a temporary file was left behind"
    if code != 0:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        errors = [ln for ln in lines if not ln.startswith("kyphos: warning")]
        assert len(errors) == 1 and errors[0].startswith("kyphos: "), err
        assert len(errors[0].split()) >= 5, f"too terse to name a problem and a fix: {err}"
    return code, out, err


@pytest.mark.parametrize("name", BAD_FILES)
@pytest.mark.parametrize("command", list(FILE_COMMANDS))
def test_bad_file(command: str, name: str, inputs: dict[str, Path], tmp_path: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    f = inputs[name]
    if command == "info" and name.endswith(".csv") and name not in ("empty.csv", "random-bytes.csv"):
        pass  # info reads CSV too: run it
    code, out, err = _check(FILE_COMMANDS[command](f, tmp_path), capsys, [f], tmp_path)
    if code == 0:  # usable only with a word on what is wrong with it
        if command == "info":
            return  # info describes; it scores nothing (damage is listed, exit 0 by design)
        said = out + err
        assert any(w in said for w in WARNED_OK), f"{command} {name}: exit 0 without a warning"


def test_good_inputs_pass_the_same_checks(inputs: dict[str, Path], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The control: the sweep's checks pass on good files, so the failures above are real."""
    for name in ("good.csv", "good.kyr"):
        for command, argv in FILE_COMMANDS.items():
            o = tmp_path / f"{command}-{name}"
            o.mkdir()
            code, _out, err = _check(argv(inputs[name], o), capsys, [inputs[name]], o)
            assert code == 0, f"{command} {name}: {err}"


def test_replay_of_bad_recordings(inputs: dict[str, Path], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("random-bytes.kyr", "truncated.kyr", "empty.kyr", "missing", "folder"):
        f = inputs[name]
        _check(["live", "--device", f"replay:{f}", "--speed", "0", "--headless-frames",
                str(tmp_path / name), "--every", "1000"], capsys, [f], tmp_path)


OUTPUT_CASES = {
    "export into a missing folder": lambda f, o: ["export", str(f), "-o", str(o / "nope" / "a.csv")],
    "review --export into a missing folder": lambda f, o: ["review", str(f), "--export",
                                                           str(o / "nope" / "v.png")],
    "report into a missing folder": lambda f, o: ["report", str(f), "-o", str(o / "nope" / "r.html")],
    "export onto its input": lambda f, o: ["export", str(f), "-o", str(f)],
    "export onto its input, forced": lambda f, o: ["export", str(f), "-o", str(f), "--force"],
    "report --pdf onto the input": lambda f, o: ["report", str(f), "-o", str(o / "r.html"),
                                                 "--pdf", str(f)],
    "report -o onto the input": lambda f, o: ["report", str(f), "-o", str(f.with_suffix(".html")),
                                              "--pdf", str(f)],
    "review --export onto the input": lambda f, o: ["review", str(f), "--export", str(f)],
    "review --notes is the input": lambda f, o: ["review", str(f), "--notes", str(f), "--export",
                                                 str(o / "v.png")],
    "export to an unwritable place": lambda f, o: ["export", str(f), "-o", "/proc/kyphos-sweep.csv"],
    "export under a file": lambda f, o: ["export", str(f), "-o", str(f) + "/a.csv"],
    "report batch onto the input folder": lambda f, o: ["report", str(f.parent), "-o",
                                                        str(f.parent)],
    "live --record onto the replayed file": lambda f, o: ["live", "--device", f"replay:{f}",
                                                          "--record", str(f), "--headless-frames",
                                                          str(o / "fr")],
}


@pytest.mark.parametrize("case", list(OUTPUT_CASES))
def test_bad_output(case: str, inputs: dict[str, Path], tmp_path: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    f = inputs["good.kyr"]
    ins = [p for p in inputs.values() if p.is_file()]
    code, _out, _err = _check(OUTPUT_CASES[case](f, tmp_path), capsys, ins, tmp_path)
    assert code != 0


def test_existing_output_is_kept_without_force(inputs: dict[str, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    f = inputs["good.kyr"]
    for argv in (["export", str(f), "-o", str(tmp_path / "keep.csv")],
                 ["report", str(f), "-o", str(tmp_path / "keep.html"), "--no-progress"],
                 ["review", str(f), "--export", str(tmp_path / "keep.png")]):
        target = Path(argv[-1] if argv[0] != "report" else argv[3])
        target.write_bytes(b"the user's own file\n")
        code, _o, err = _check(argv, capsys, [f, target], tmp_path)
        assert code == 1 and "--force" in err and "exists" in err
        assert target.read_bytes() == b"the user's own file\n"
        code = main([*argv, "--force"])
        capsys.readouterr()
        assert code == 0 and target.read_bytes() != b"the user's own file\n"


DEVICE_COMMANDS = {
    "info": ["info", "--device"],
    "calibrate": ["calibrate", "--device"],
    "config get": ["config", "get", "--device"],
    "pair": ["pair", "--device"],
    "download": ["download", "--list", "--device"],
    "erase": ["erase", "--yes", "--device"],
    "record": ["record", "--duration", "1", "-o", "{out}/r.kyr", "--device"],
    "live": ["live", "--headless-frames", "{out}/f", "--device"],
    "assess": ["assess", "-o", "{out}/a.kyr", "--device"],
    "exercise": ["exercise", "--program", "side_bends", "-o", "{out}/e.kyr", "--device"],
}


@pytest.mark.parametrize("target", ["serial:/dev/kyphos-no-such-port", "replay:{missing}"])
@pytest.mark.parametrize("command", list(DEVICE_COMMANDS))
def test_bad_device_target(command: str, target: str, inputs: dict[str, Path], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    t = target.format(missing=inputs["missing"])
    argv = [a.format(out=tmp_path) for a in DEVICE_COMMANDS[command]] + [t, "--timeout", "1"]
    code, _out, err = _check(argv, capsys, [], tmp_path)
    assert code != 0
    assert "kyphos-no-such-port" in err or "no-such-file" in err, err


def test_no_device_at_all_names_the_flag(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("KYPHOS_DEVICE", raising=False)
    for argv in (["calibrate"], ["pair"], ["config", "get"], ["record", "-o", str(tmp_path / "r.kyr")],
                 ["info"], ["live", "--headless-frames", str(tmp_path / "f")]):
        code, _o, err = _check(argv, capsys, [], tmp_path)
        assert code == 1 and "--device" in err


@pytest.mark.parametrize("argv,code", [
    (["analyze", "{d}/gyro-in-deg-s.csv"], None),
    (["export", "{d}/empty.csv", "-o", "{t}/x.csv"], 1),
    (["export", "{d}/good.kyr", "-o", "{d}/good.kyr", "--force"], 1),
])
def test_real_exit_status(argv: list[str], code: int | None, inputs: dict[str, Path],
                          tmp_path: Path) -> None:
    """As a shell sees it: a real process, its exit status and its stderr."""
    d = inputs["good.kyr"].parent
    args = [a.format(d=d, t=tmp_path) for a in argv]
    before = _digest(list(d.iterdir()))
    r = subprocess.run([sys.executable, "-c", "import sys; from kyphos.cli import main; "
                        "sys.exit(main())", *args], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "MPLBACKEND": "Agg"})
    assert "Traceback" not in r.stderr
    assert _digest(list(d.iterdir())) == before
    if code is None:  # readable but implausible: either refused or a warned result
        assert r.returncode != 0 or any(w in r.stdout + r.stderr for w in WARNED_OK), r.stdout
    else:
        assert r.returncode == code, r.stderr
        assert r.stderr.startswith("kyphos: ") and r.stderr.count("\n") == 1, r.stderr


def test_sim_truth_file_is_kept_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truth = tmp_path / "truth.npz"
    truth.write_bytes(b"the user's own truth")
    code, _o, err = _check(["sim", "--truth", str(truth), "--duration", "1", "--speed", "0",
                            "--tcp-port", "0"], capsys, [truth], tmp_path)
    assert code == 1 and "--force" in err and truth.read_bytes() == b"the user's own truth"


@pytest.mark.parametrize("name,says", [
    ("semicolons.csv", ["semicolons", "commas"]), ("tabs.csv", ["tabs", "commas"]),
    ("nan.csv", ["line 102", "delete that row"]), ("text.csv", ["line 2", "fix or delete"]),
    ("non-monotonic.csv", ["line 503", "sort the rows"]),
    ("duplicate-times.csv", ["line 602", "drop repeated times"]),
    ("empty.csv", ["is empty", "header t_s,ax,ay,az,gx,gy,gz"]),
    ("10khz.csv", ["--time-unit"]), ("missing", ["no such file"]),
])
def test_the_line_names_the_problem_and_the_fix(name: str, says: list[str], inputs: dict[str, Path],
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _o, err = _check(["analyze", str(inputs[name])], capsys, [inputs[name]], tmp_path)
    assert code == 1 and all(s in err for s in says), err
