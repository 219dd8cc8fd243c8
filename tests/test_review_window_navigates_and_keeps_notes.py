"""The review window, driven headless (Agg) through real matplotlib key and mouse events:
lift-to-lift keys, clicks on lifts and the overview, notes in a sidecar JSON that survive a
reopen, the recording never modified, and PNG export of the current view."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from kyphos.cli import main
from kyphos.views.review import Review, sidecar_path
from kyphos.views.samples import write_sim_recording
from matplotlib.backend_bases import KeyEvent, MouseEvent
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sim_recording(tmp_path_factory.mktemp("review") / "r.kyr", "demo")


@pytest.fixture
def review(rec: Path, tmp_path: Path) -> Review:
    fig = Figure(figsize=(13, 8))
    FigureCanvasAgg(fig)
    return Review(rec, figure=fig, notes_path=tmp_path / "notes.json")


def _key(r: Review, key: str) -> None:
    r.fig.canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", r.fig.canvas,
                                                               key))


def _click(r: Review, ax: object, x: float, y: float) -> None:
    r.fig.canvas.draw()
    px, py = ax.transData.transform((x, y))  # type: ignore[attr-defined]
    r.fig.canvas.callbacks.process(
        "button_press_event", MouseEvent("button_press_event", r.fig.canvas, px, py, button=1))


def test_keys_move_from_lift_to_lift(review: Review) -> None:
    n = len(review.lifts)
    assert n >= 5 and review.selected == 0
    _key(review, "n")
    _key(review, "right")
    assert review.selected == 2
    lf = review.lifts[2]
    assert review.window[0] < lf.start_s and review.window[1] > lf.end_s
    assert review.ax_zoom.get_xlim() == pytest.approx(review.window)
    assert f"lift 3 of {n}" in review.detail_text()
    assert f"{lf.peak_flexion_deg:.0f}°" in review.detail_text()
    _key(review, "p")
    assert review.selected == 1
    for _ in range(n + 3):
        _key(review, "n")
    assert review.selected == n - 1  # stops at the last lift
    w = review.window[1] - review.window[0]
    _key(review, "-")
    assert review.window[1] - review.window[0] == pytest.approx(2 * w)


def test_clicks_select_lifts_and_move_the_zoom(review: Review) -> None:
    target = review.lifts[4]
    _click(review, review.ax_over, target.peak_s * review._scale, target.peak_flexion_deg)
    assert review.selected == 4
    quiet = float(review.t[-1]) - 5.0  # the quiet rest at the end: no lift there
    _click(review, review.ax_over, quiet * review._scale, 0.0)
    assert review.selected == 4
    assert review.window[0] < quiet < review.window[1] + 1e-6
    review.select_lift(1)
    _click(review, review.ax_zoom, review.lifts[1].peak_s, 10.0)
    assert review.selected == 1


def test_notes_go_to_the_sidecar_and_come_back(review: Review, rec: Path) -> None:
    before = hashlib.sha256(rec.read_bytes()).hexdigest()
    review.select_lift(2)
    review.textbox.begin_typing()  # as after a click in the note box
    for ch in "knees straight: cue squat":
        _key(review, ch)  # typed into the box, not taken as review keys
    assert review.selected == 2
    _key(review, "enter")
    assert review.textbox.text == "" and not review.textbox.capturekeystrokes
    review.add_note("sway at 20 s", t_s=20.0)
    doc = json.loads(review.notes_path.read_text(encoding="utf-8"))
    assert doc["recording"] == rec.name
    assert {"t_s": round(review.lifts[2].peak_s, 3), "lift": 3,
            "text": "knees straight: cue squat"} in doc["notes"]
    assert {"t_s": 20.0, "lift": None, "text": "sway at 20 s"} in doc["notes"]
    assert "knees straight: cue squat" in review.detail_text()
    assert any(a.get_text().startswith("knees straight") for a in review._note_artists)
    again = Review(rec, notes_path=review.notes_path)
    assert again.notes == doc["notes"]
    again.select_lift(2)
    _key(again, "delete")
    assert [n["lift"] for n in json.loads(again.notes_path.read_text())["notes"]] == [None]
    assert hashlib.sha256(rec.read_bytes()).hexdigest() == before  # recording untouched
    assert sidecar_path(rec).name == "r.kyr.review.json"


def test_export_writes_the_current_view(review: Review, tmp_path: Path) -> None:
    from matplotlib.image import imread

    review.select_lift(3)
    png = review.export_png(tmp_path / "view.png")
    img = imread(png)
    assert img.shape[0] == 800 and img.shape[1] == 1300
    blue = np.all(np.abs(img[..., :3] - np.array([0x1F, 0x77, 0xB4]) / 255) < 0.05, axis=-1)
    rows = np.flatnonzero(blue.any(axis=1))
    assert rows[-1] - rows[0] > 300  # overview and zoom both drawn
    _key(review, "e")
    assert review.exported[-1].exists() and review.exported[-1].suffix == ".png"
    review.exported[-1].unlink()


def test_cli_export_without_a_window(rec: Path, tmp_path: Path) -> None:
    out = tmp_path / "lift2.png"
    assert main(["review", str(rec), "--lift", "2", "--export", str(out),
                 "--notes", str(tmp_path / "n.json")]) == 0
    assert out.stat().st_size > 10_000
    assert main(["review", str(rec), "--lift", "99", "--export", str(out),
                 "--notes", str(tmp_path / "n.json")]) == 1


def test_unreadable_recording_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.kyr"
    bad.write_bytes(b"nope")
    assert main(["review", str(bad), "--export", str(tmp_path / "x.png")]) == 1
    assert not (tmp_path / "x.png").exists() and not sidecar_path(bad).exists()
