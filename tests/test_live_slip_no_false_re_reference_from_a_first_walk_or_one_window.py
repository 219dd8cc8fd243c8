"""The live clip-slip detector takes no posture for a slip that the report does not.

Two causes of false live re-references, each on a validation development seed at 104 Hz
(the seeds that shaped the fixes; the check on other sets is in the LIVEFIX handoff /
docs/accuracy.md section 7):

* 10007: the clip slips 11.6° at 171.7 s in the middle of the session's first walk. The live
  view made that walk the walking baseline once five references had followed it without a
  quiet stand (four sits and a lie), while the report waits for the stand after it, which
  disagrees. The next upright walk then read 9° off and was re-referenced at 435 s (the report
  has no slip there), and the real slip, placed without the walks' votes, went 17 s late.
  Now a first walk or sit waits for the quiet stand after it, however many sits come first.
* 10022: one activity window (from 168.2 s) called a sit leaning back 7° at 180 s a quiet
  stand (it found a stand-up at 169 s; the windows before and after call it a sit). Taken for
  a slip, confirmed by another 7° stand, it was re-referenced at 177 s, and the real slip
  (288.0 s) was then placed 9.3 s early. Now a posture is given once two windows in a row call
  it the same kind.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kyphos.sim.validation import generate
from kyphos.views.live_state import LiveState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from live_vs_offline import stream  # noqa: E402


def _live_rerefs(seed: int) -> tuple[float, list[dict[str, float]]]:
    v = generate(seed, 104.0)
    st = LiveState(30.0)
    for _ in stream(v, st):
        pass
    return v.script.slips[0].t, [r for r in st.re_references if "withdrawn_s" not in r]


def test_a_first_walk_the_clip_slipped_in_is_no_walking_baseline_live() -> None:
    slip, rr = _live_rerefs(10007)
    # before: 188.96 s (17 s late) and a false 9° one at 434.9 s; the report: 171.683 s
    assert len(rr) == 1, rr
    assert rr[0]["detected_s"] > slip and abs(rr[0]["t_s"] - slip) < 0.5, rr


def test_one_window_calling_a_sit_a_stand_makes_no_live_re_reference() -> None:
    slip, rr = _live_rerefs(10022)
    # before: a false 7° one placed at 177.2 s, and the real slip at 278.6 s (9.3 s early);
    # the report: 288.019 s
    assert len(rr) == 1, rr
    assert rr[0]["detected_s"] > slip and abs(rr[0]["t_s"] - slip) < 0.5, rr
