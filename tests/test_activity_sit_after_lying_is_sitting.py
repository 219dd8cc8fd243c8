"""The sit people get up through after lying (3-6 s on the bed's edge in the validation
family) was called standing: the rise out of the lie counted as a sit-to-stand. One gets up
from lying through sitting, so the posture after a lie is read against the one before the
lie-down (processing.activity._resolve_get_ups)."""

import numpy as np
import pytest
from kyphos.analysis import analyze
from kyphos.processing.activity import SITTING, STANDING, _resolve_get_ups


def _labels(a: object, t: np.ndarray) -> np.ndarray:
    lab = np.full(len(t), "", dtype=object)
    for iv in a.activity.intervals():  # type: ignore[attr-defined]
        i0, i1 = np.searchsorted(t, (iv["start_s"], iv["end_s"]))
        lab[i0:i1] = iv["kind"]
    return lab


@pytest.mark.parametrize("seed", [21, 22])
def test_a_simulated_lie_then_sit_is_labelled_sitting(seed: int) -> None:
    """A validation-family session of one "lie" block (sit, lie, sit up, sit 3-6 s, stand):
    the sit after the lie reads sitting (it read standing in all of both at 76b55ff), and the
    stand after it standing."""
    from kyphos.sim.validation import generate

    v = generate(seed, 104.0, blocks=("lie",))
    a = analyze(v.to_session(calibration_note=True))
    t = v.time
    truth = v.truth.activity_names
    lab = _labels(a, t)
    lie = np.flatnonzero(truth == "lying")
    after = np.arange(lie[-1] + 1, len(t))
    sit = after[truth[after] == "sitting"]
    assert len(sit) and np.mean(lab[sit] == "sitting") > 0.8, np.unique(lab[sit])
    stand = after[truth[after] == "standing"]
    assert np.mean(lab[stand] == "standing") > 0.8


def test_get_up_reads_the_height_it_returns_to() -> None:
    """Back to the height before the lie-down: the posture then; a sit/stand rise above it
    (sat up and stood in one move): standing; no height before the lie: sitting."""
    ev = [(10, STANDING, STANDING), (50, SITTING, STANDING)]  # stood, then sat to lie down
    assert _resolve_get_ups(ev, [(200, 55, 0.05)], None)[-1] == (200, SITTING, SITTING)
    assert _resolve_get_ups(ev, [(200, 55, 0.6)], None)[-1] == (200, STANDING, STANDING)
    # lain down straight from standing (ref before the sit): back level, standing
    assert _resolve_get_ups(ev[:1], [(200, 20, 0.0)], None)[-1] == (200, STANDING, STANDING)
    assert _resolve_get_ups([], [(200, -1, float("nan"))], None) == [(200, SITTING, SITTING)]
