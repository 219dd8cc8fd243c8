"""bench/fit_thresholds.py --fit-all: every fitted constant exists, can be patched, and its
shipped value is one of its candidates (so a full tie keeps a value the table names)."""

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import fit_thresholds as F  # noqa: E402

OBJECTIVES = {"lifts", "style", "slouch", "bends", "reaches", "episodes", "activity", "steps",
              "flexion"}


def test_every_fitted_constant_is_shipped_among_its_candidates() -> None:
    import kyphos.analysis  # noqa: F401  (the modules the sweep patches)

    for qual, values, obj in F.FITS:
        mod_name, _, name = qual.rpartition(".")
        shipped = getattr(importlib.import_module(mod_name), name)
        assert float(shipped) in [float(v) for v in values], qual
        assert obj in OBJECTIVES, obj
        undo, n = F._patch(qual, values[0])
        try:
            assert n >= 1 and float(getattr(importlib.import_module(mod_name), name)) == values[0]
        finally:
            F._unpatch(undo)
        assert getattr(importlib.import_module(mod_name), name) == shipped


def test_episodes_objective_is_the_mean_of_slouch_and_bend_f1() -> None:
    rows = [{"slouch": (4, 4, 4), "bend": (2, 2, 1)}]  # truth, found, matched
    assert F.objective(rows, "episodes") == 0.5 * (1.0 + 0.5)
