"""A loaded session keeps acc and gyr as int16 counts and the analysis reads them through
Session.rows (built for that read only): the analysis is the same as on a session holding the
float64 arrays, the session holds no float64 acc/gyr afterwards, and a user who reads or edits
``session.acc`` gets an array that is kept (edits stay) — issue 17, bounded memory."""

from __future__ import annotations

import json
from pathlib import Path

import kyphos
import numpy as np
from kyphos.analysis import analyze
from kyphos.recording.synth import write_synth
from kyphos.session import Session


def _eager(s: Session) -> Session:
    """The same recording as a session of plain arrays (as the loader made it before)."""
    return Session(time=s.time.copy(), acc=np.array(s.acc), gyr=np.array(s.gyr), fs=s.fs,
                   haptic=s.haptic.copy(), events=s.events.copy(), status=s.status.copy(),
                   notes=list(s.notes), gaps=s.gaps.copy(), header=dict(s.header), info=s.info)


def test_analysis_equal_and_nothing_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.kyr"
    write_synth(path, 300.0, seed=4)
    lean = kyphos.load(path)
    assert lean.is_deferred("acc") and lean.is_deferred("gyr")
    a = analyze(lean)
    assert lean.is_deferred("acc") and lean.is_deferred("gyr")  # read for one use only
    assert sum(v.nbytes for v in vars(lean).values() if isinstance(v, np.ndarray)) < 10 * lean.n_samples
    b = analyze(_eager(kyphos.load(path)))
    assert json.dumps(a.to_dict(), sort_keys=True) == json.dumps(b.to_dict(), sort_keys=True)
    assert len(a.lifts) >= 20
    np.testing.assert_array_equal(a.angles.flexion, b.angles.flexion)


def test_rows_are_the_arrays_rows_and_edits_stay(tmp_path: Path) -> None:
    path = tmp_path / "b.kyr"
    write_synth(path, 30.0)
    s = kyphos.load(path)
    acc7 = s.rows("acc", 7)
    assert s.is_deferred("acc")
    np.testing.assert_array_equal(acc7, s.acc[::7])  # reading s.acc builds and keeps it
    assert not s.is_deferred("acc") and s.acc is s.acc
    s.gyr[5] = 1.0
    assert (s.gyr[5] == 1.0).all() and (s.rows("gyr")[5] == 1.0).all()
    part = kyphos.load(path, start_s=10.0, end_s=12.0)
    whole = kyphos.load(path)
    k = (whole.time >= 10.0) & (whole.time < 12.0)
    np.testing.assert_array_equal(part.rows("gyr", 3), whole.gyr[k][::3])
