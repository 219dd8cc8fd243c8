"""``validate_analysis --family sim`` and ``bench_accuracy`` simulate wearers of the statures the
style fit draws (STYLE7; until then the one 1.75 m body): the run's seeds take the exact normal
quantiles of ``fit_thresholds.stature_z`` with ``STATURE_SD``, as the fit's ``--floor`` seeds."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fit_thresholds as F  # noqa: E402
import validate_analysis as V  # noqa: E402


def test_sim_statures_are_the_fit_floor_draw() -> None:
    seeds = list(range(30))
    st = V.sim_statures(seeds, F.STATURE_SD)
    z = F.stature_z(seeds, F.STATURE_SALT)
    assert st == {s: (F.STATURE_SD, z[s]) for s in seeds}
    assert V.sim_statures(seeds, 0.0) == {}


def test_sim_case_takes_the_wearer_stature() -> None:
    one = V.sim_case(0, 52.0)
    tall = V.sim_case(0, 52.0, stature=(F.STATURE_SD, 2.0))
    assert one.hip_height_m is not None and tall.hip_height_m is not None
    assert tall.hip_height_m > one.hip_height_m * 1.05


def test_validate_analysis_sim_family_uses_them(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple] = []
    monkeypatch.setattr(V, "run_jobs", lambda f, jobs, n: seen.extend(jobs) or [])
    monkeypatch.setattr(V, "summary", lambda rows, what: None)
    V.main(["validate_analysis", "--family", "sim", "--seeds", "0-2", "--rates", "104"])
    z = F.stature_z([0, 1, 2], F.STATURE_SALT)
    assert [j[7] for j in seen] == [(F.STATURE_SD, z[s]) for s in (0, 1, 2)]
