"""A folder in the current directory named like a bundled scenario does not hide it (issue 16
item 7: `mkdir demo; kyphos sim` failed with "demo: cannot read")."""

from __future__ import annotations

from pathlib import Path

import pytest
from kyphos.sim.scenario import load_scenario


def test_a_folder_named_demo_does_not_shadow_the_bundled_demo(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").mkdir()
    assert load_scenario("demo")["name"] == "demo"
    own = tmp_path / "mine.json"  # an explicit file still wins
    own.write_text((Path(__file__).parents[1] / "host/kyphos/sim/scenarios/demo.json").read_text()
                   .replace('"name": "demo"', '"name": "mine"', 1))
    assert load_scenario(str(own))["name"] == "mine"


def test_a_folder_named_like_a_programme_does_not_shadow_it(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from kyphos.assess.program import load_program

    monkeypatch.chdir(tmp_path)
    (tmp_path / "side_bends").mkdir()
    assert load_program("side_bends").exercises
