"""Programme files: bundled examples load; bad keys give one line naming the key."""

from __future__ import annotations

import json

import pytest
from kyphos.assess.program import ProgramError, list_programs, load_program


def test_examples_load():
    names = list_programs()
    assert {"seated_thoracic_extension", "seated_rotation", "cat_camel", "side_bends"} <= set(names)
    for n in names:
        assert load_program(n).exercises


@pytest.mark.parametrize("change,key", [
    ({"reps": "ten"}, "exercises[0].reps"),
    ({"movement": "twist"}, "exercises[0].movement"),
    ({"hold_s": -1}, "exercises[0].hold_s"),
    ({"colour": 1}, "exercises[0].colour"),
])
def test_bad_key_is_named(tmp_path, change, key):
    doc = {"format": "kyphos-program/1", "name": "x",
           "exercises": [{"name": "e", "movement": "extension", "reps": 5, **change}]}
    p = tmp_path / "p.json"
    p.write_text(json.dumps(doc))
    with pytest.raises(ProgramError) as e:
        load_program(p)
    assert key in str(e.value) and "\n" not in str(e.value)
