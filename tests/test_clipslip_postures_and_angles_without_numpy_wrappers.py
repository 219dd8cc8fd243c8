"""``clipslip.reference_postures`` and ``clipslip.angle_deg`` run once per posture (thousands
on an 8-h day, tens of thousands of angles), so they skip ``np.mean``, ``np.linalg.norm`` and
``np.clip``'s wrappers — with their values to the bit (the same sums, square roots and
ufuncs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from kyphos.processing import clipslip as cs
from kyphos.processing import params as P
from kyphos.processing.activity import KINDS


def _recording(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    fs = 52.0
    rng = np.random.default_rng(seed)
    n = int(900 * fs)
    t = np.arange(n) / fs
    kind = np.zeros(n, np.int8)
    still = np.zeros(n, bool)
    acc = rng.normal(scale=0.3, size=(n, 3))
    i = 0
    while i < n:  # periods of 3-40 s of each kind, tilted each its own way
        L = int(rng.uniform(3, 40) * fs)
        k = int(rng.integers(0, len(KINDS)))
        kind[i:i + L] = k
        still[i:i + L] = rng.random() < 0.8
        g = rng.normal(size=3) + [0.0, 0.0, 3.0]
        acc[i:i + L] += 9.81 * g / np.linalg.norm(g)
        i += L
    return t, acc, kind, still, fs


def _counted(fn: Callable[..., Any], calls: list[str], name: str) -> Callable[..., Any]:
    def wrapped(*a: Any, **k: Any) -> Any:
        calls.append(name)
        return fn(*a, **k)

    return wrapped


def _by_numpy(t: np.ndarray, acc: np.ndarray, kind: np.ndarray, still: np.ndarray, fs: float,
              min_s: float) -> list[tuple[object, ...]]:
    """The postures as np.mean and np.linalg.norm make them (the former body, still periods)."""
    out = []
    m = max(2, int(min_s * fs))
    for name in ("standing", "sitting", "lying"):
        sel = (kind == KINDS.index(name)) & still
        for i0, i1 in cs.runs(sel):
            if i1 - i0 < m:
                continue
            u = np.mean(acc[i0:i1], axis=0)
            if np.linalg.norm(u) < 1.0:
                continue
            u = u / np.linalg.norm(u)
            w = min(i1 - i0, max(2, int(round(P.PROBE_MIN_S * fs))))
            ends = []
            for v in (np.mean(acc[i0:i0 + w], axis=0), np.mean(acc[i1 - w:i1], axis=0)):
                nv = float(np.linalg.norm(v))
                ends.append(v / nv if nv >= 1.0 else u)
            out.append((name, int(i0), int(i1), u.tobytes(), ends[0].tobytes(), ends[1].tobytes()))
    return sorted(out, key=lambda r: r[1])  # type: ignore[arg-type, return-value]


def test_reference_postures_equal_the_numpy_formulas_to_the_bit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for seed in (1, 2):
        t, acc, kind, still, fs = _recording(seed)
        want = _by_numpy(t, acc, kind, still, fs, P.PROBE_MIN_S)
        calls: list[str] = []
        monkeypatch.setattr(np, "mean", _counted(np.mean, calls, "mean"))
        monkeypatch.setattr(np.linalg, "norm", _counted(np.linalg.norm, calls, "norm"))
        got = cs.reference_postures(t, acc, kind, still, fs, KINDS, P.PROBE_MIN_S)
        monkeypatch.undo()
        assert calls == []
        still_got = [(r.kind, r.i0, r.i1, r.up.tobytes(), r.up_first.tobytes(),  # type: ignore[union-attr]
                      r.up_last.tobytes()) for r in got if r.kind != "walking"]  # type: ignore[union-attr]
        assert len(want) > 10 and still_got == want
        assert any(r.kind == "walking" and r.i_split is not None for r in got)


def test_angle_deg_equals_the_clipped_numpy_formula(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(size=(20_000, 3))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b = a + rng.normal(size=(20_000, 3)) * rng.choice([0.0, 1e-9, 1e-3, 0.1, 2.0], (20_000, 1))
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    b[:50] = -a[:50]
    a[50:60] *= 1.0 + 1e-15  # dot products just past 1: clipped
    want = [float(np.degrees(np.arccos(np.clip(x @ y, -1.0, 1.0)))) for x, y in zip(a, b, strict=True)]
    calls: list[str] = []
    monkeypatch.setattr(np, "clip", _counted(np.clip, calls, "clip"))
    assert [cs.angle_deg(x, y) for x, y in zip(a, b, strict=True)] == want
    assert calls == []
    assert np.isnan(cs.angle_deg(np.array([np.nan, 0.0, 1.0]), np.array([0.0, 0.0, 1.0])))
