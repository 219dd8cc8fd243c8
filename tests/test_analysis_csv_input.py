"""Generic CSV input: units by flag, extra columns, and one-line errors naming the line."""

from __future__ import annotations

import math
from pathlib import Path

import kyphos
import numpy as np
import pytest
from kyphos.errors import RecordingError
from kyphos.recording.csv import load_csv, write_csv
from kyphos.session import Session


def _write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def test_si_units_by_default_and_time_from_zero(tmp_path: Path) -> None:
    p = _write(tmp_path / "a.csv", "t_s,ax,ay,az,gx,gy,gz\n10.0,9.81,0,0,0.1,0,0\n"
               "10.01,9.81,0,0,0.2,0,0\n10.02,9.8,0.1,0,0,0,0.3\n")
    s = load_csv(p)
    np.testing.assert_allclose(s.time, [0, 0.01, 0.02])
    assert s.acc[0, 0] == pytest.approx(9.81) and s.gyr[2, 2] == pytest.approx(0.3)
    assert s.fs == pytest.approx(100.0)
    assert s.header["t0_s"] == pytest.approx(10.0)


def test_unit_flags_and_column_order_and_extras(tmp_path: Path) -> None:
    p = _write(tmp_path / "b.csv", "# exported from some IMU\nGX,gy,gz,temp,AX,ay,az,t_s\n"
               "90,0,0,25,1,0,0,0\n0,0,-45,25,0.5,0,0,10\n0,0,0,25,1,0,0,20\n")
    s = load_csv(p, acc_unit="g", gyr_unit="deg/s", time_unit="ms")
    assert s.acc[0, 0] == pytest.approx(9.80665)
    assert s.gyr[0, 0] == pytest.approx(math.pi / 2)
    assert s.gyr[1, 2] == pytest.approx(-math.pi / 4)
    np.testing.assert_allclose(s.time, [0, 0.01, 0.02])


def test_missing_column_is_named(tmp_path: Path) -> None:
    p = _write(tmp_path / "c.csv", "t_s,ax,ay,az,gx,gy\n0,1,2,3,4,5\n")
    with pytest.raises(RecordingError, match=r"line 1: missing column\(s\) gz"):
        load_csv(p)


def test_bad_number_names_the_line(tmp_path: Path) -> None:
    p = _write(tmp_path / "d.csv", "t_s,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2,x3,4,5,6\n")
    with pytest.raises(RecordingError, match=r"d.csv: line 3: bad number 'x3'"):
        load_csv(p)
    p = _write(tmp_path / "e.csv", "t_s,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2\n")
    with pytest.raises(RecordingError, match=r"line 3: expected at least 7 columns"):
        load_csv(p)
    p = _write(tmp_path / "f.csv", "t_s,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,nan,3,4,5,6\n")
    with pytest.raises(RecordingError, match=r"line 3: non-finite"):
        load_csv(p)


def test_time_going_backwards_and_unknown_unit(tmp_path: Path) -> None:
    p = _write(tmp_path / "g.csv", "t_s,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.02,1,2,3,4,5,6\n"
               "0.01,1,2,3,4,5,6\n")
    with pytest.raises(RecordingError, match=r"line 4: time does not increase"):
        load_csv(p)
    with pytest.raises(RecordingError, match="unknown acc_unit"):
        load_csv(p, acc_unit="furlongs")


def test_round_trip_through_kyphos_load(tmp_path: Path) -> None:
    n = 300
    t = np.arange(n) / 104
    acc = np.tile([9.81, 0.1, -0.2], (n, 1))
    gyr = np.tile([0.01, 0.02, 0.03], (n, 1))
    hap = np.zeros(n, bool)
    hap[100:120] = True
    p = tmp_path / "r.csv"
    write_csv(p, Session(time=t, acc=acc, gyr=gyr, fs=104.0, haptic=hap))
    s = kyphos.load(p)
    np.testing.assert_allclose(s.time, t, atol=1e-6)
    np.testing.assert_allclose(s.acc, acc, rtol=1e-5)
    assert s.haptic.sum() == 20


def test_header_only_is_one_error_and_no_numpy_warning(tmp_path: Path) -> None:
    import warnings

    p = _write(tmp_path / "h.csv", "t_s,ax,ay,az,gx,gy,gz\n# nothing else\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "input contained no data" printed a 2nd line
        with pytest.raises(RecordingError, match="no samples after the header"):
            load_csv(p)
