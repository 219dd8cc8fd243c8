"""The live window shows a clip slip re-referenced live: the banner tells the wearer ("clip
moved 11°, re-referenced") while it is recent, the info panel counts the re-references, and
the flexion timeline has a dashed mark where the mounting changed (its detection)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from kyphos.protocol.frames import decode_frame
from kyphos.recording.synth import synth_frames
from kyphos.transport.base import Received
from kyphos.views.live_figure import LiveFigure, save_png
from kyphos.views.live_state import LiveState
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

matplotlib.use("Agg")


def test_window_tells_the_wearer_and_marks_the_re_reference(tmp_path: Path) -> None:
    fig = Figure(figsize=(12, 7), dpi=80)
    FigureCanvasAgg(fig)
    lf = LiveFigure(fig, 30.0)
    st = LiveState(30.0, calibration=np.eye(3))
    recs = [Received(h, f, decode_frame(f)[0]) for h, f in synth_frames(12.0)]
    st.ingest(recs)
    v = st.snapshot()
    assert v.re_references == [] and v.reref_note == ""
    lf.draw(v)
    assert "clip" not in lf.t_banner.get_text() and "clip" not in lf.t_info.get_text()
    assert len(lf.l_rerefs.get_segments()) == 0
    # a re-reference 4 s ago, as LiveState.snapshot gives it
    rr = {"t_s": v.t_now - 20.0, "deg": 10.6, "why": "sitting at 1 s and standing at 5 s",
          "detected_s": v.t_now - 4.0}
    v.re_references, v.reref_note = [rr], "clip moved 11°, re-referenced"
    lf.draw(v)
    assert lf.t_banner.get_text() == "clip moved 11°, re-referenced"
    assert "clip re-referenced 1× (last 11°)" in lf.t_info.get_text()
    seg = lf.l_rerefs.get_segments()
    assert len(seg) == 1 and abs(seg[0][0][0] - (-4.0)) < 1e-9
    save_png(fig, str(tmp_path / "f.png"))
    img = matplotlib.image.imread(str(tmp_path / "f.png"))[:, :, :3]
    ax = lf.ax_flex if hasattr(lf, "ax_flex") else lf.l_flex.axes
    px, _ = ax.transData.transform((-4.0, 0.0))
    x0, y0, x1, y1 = ax.get_window_extent().extents
    h = fig.bbox.height
    col = img[int(h - y1) + 2 : int(h - y0) - 2, int(round(px)) - 1 : int(round(px)) + 2]
    orange = np.all(np.abs(col - np.array(to_rgb("#ef6c00"))) < 0.12, axis=-1)
    assert orange.any()  # the dashed mark is drawn on the flexion timeline
