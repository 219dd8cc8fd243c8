"""The real window (TkAgg on a virtual X display, Xvfb): it opens, draws with blitting as the
replay streams, takes key presses from the toolkit (`m` writes a marker NOTE into the
recording, `q` closes it) and ends cleanly. Skipped where Xvfb or Tk is missing."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kyphos.recording.kyr import read_kyr
from kyphos.recording.synth import write_synth

SCRIPT = textwrap.dedent("""
    import sys
    import matplotlib
    matplotlib.use("TkAgg")
    import matplotlib.pyplot as plt
    from matplotlib.backend_bases import KeyEvent
    from kyphos.views.live import LiveSession

    s = LiveSession("replay:" + sys.argv[1] + "@4", record=sys.argv[2])
    orig = plt.show

    def show(*a, **k):
        fig = plt.gcf()
        presses = iter(["m", "q"])

        def press():
            key = next(presses, None)
            if key is not None:
                KeyEvent("key_press_event", fig.canvas, key)._process()

        t = fig.canvas.new_timer(interval=1500)
        t.add_callback(press)
        t.start()
        orig(*a, **k)

    plt.show = show
    s.run_window()
    print("drawn", s.stats.drawn, "samples", s.state.samples, "blit", s.figure._bg is not None)
""")


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run")
def test_window_opens_draws_and_takes_keys(tmp_path: Path) -> None:
    pytest.importorskip("tkinter")
    src = tmp_path / "in.kyr"
    write_synth(src, 30.0)
    rec = tmp_path / "rec.kyr"
    script = tmp_path / "win.py"
    script.write_text(SCRIPT)
    p = subprocess.run(["xvfb-run", "-a", sys.executable, str(script), str(src), str(rec)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr[-2000:]
    words = p.stdout.split()
    assert int(words[words.index("drawn") + 1]) > 5
    assert int(words[words.index("samples") + 1]) > 100
    assert words[words.index("blit") + 1] == "True"
    notes = [json.loads(raw[10:]) for _h, raw in read_kyr(rec).frames() if raw[1] == 0x20]
    assert any(n["kind"] == "marker" for n in notes)
    assert any(n.get("event") == "end" for n in notes)  # `q` closed the recording properly
