"""``find_bends`` converts the flexion velocity to degrees only at the rows it reads, and takes
the seated reach's running minimum only over the sitting rows (with the filter's reach either
side): no full-length degree copy and no full-length minimum filter (8 h at 104 Hz: ~50 MB of
fresh pages fewer, ~0.1 s of system CPU) — with the lifts and reaches of the whole-recording
way, to the bit (validation development seed 0 at 52 Hz: seated reaches, lifts, walking)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from kyphos import analysis
from kyphos.metrics import lifts as lm


def _bends_args(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
    from kyphos.sim.validation import generate

    got: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
    real = lm.find_bends

    def spy(angles: Any, *a: Any, **k: Any) -> list[lm.Lift]:
        got.append((angles, a, k))
        return real(angles, *a, **k)

    with monkeypatch.context() as m:
        m.setattr(analysis, "find_bends", spy)
        analysis.analyze(generate(0, 52.0).to_session())
    assert len(got) == 1
    return got[0]


def test_find_bends_reads_velocity_and_seated_minimum_where_needed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    angles, a, k = _bends_args(monkeypatch)
    n = len(angles.flexion)
    activity = a[1]
    sitting = activity.mask("sitting")
    assert k.get("sitting_upright_deg") is not None and 0 < np.count_nonzero(sitting) < n // 2
    filtered: list[int] = []
    degrees: list[int] = []
    real_filter, real_degrees = lm.minimum_filter1d, np.degrees

    def filter_spy(x: np.ndarray, *fa: Any, **fk: Any) -> np.ndarray:
        filtered.append(len(x))
        return np.asarray(real_filter(x, *fa, **fk))

    def degrees_spy(x: Any, *da: Any, **dk: Any) -> Any:
        degrees.append(int(np.size(x)))
        return real_degrees(x, *da, **dk)

    monkeypatch.setattr(lm, "minimum_filter1d", filter_spy)
    monkeypatch.setattr(np, "degrees", degrees_spy)
    got = lm.find_bends(angles, *a, **k)
    monkeypatch.setattr(np, "degrees", real_degrees)
    assert filtered and max(filtered) < n  # the sitting rows and their reach only
    assert degrees and max(degrees) < n  # no whole-recording degree copy
    # the whole-recording way: one filter over every row, the velocity converted whole
    monkeypatch.setattr(lm, "_reach_spans", lambda mask, reach, n_: [(0, n_)])
    monkeypatch.setattr(lm, "_Degrees", lambda x: np.degrees(x))
    want = lm.find_bends(angles, *a, **k)
    assert [lf.to_dict() for lf in got] == [lf.to_dict() for lf in want]
    assert [repr(lf) for lf in got] == [repr(lf) for lf in want]
    assert len(got) > 5 and any(lf.context == "sitting" for lf in got)
