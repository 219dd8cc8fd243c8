"""Shared by the later-calibration tests: validation 2 @104 with the clip re-seated and
calibrated again, and the note a second `c` with its guided bend writes."""

from __future__ import annotations

from typing import Any

from kyphos.sim.validation import generate

#: validation 2 @104, two lifts blocks, the clip re-seated (T4 -> T3, 7.7 -> 6.5 cm deep) and
#: calibrated again at about 52-69 s, its slip at 63 s after that calibration
SEED = 2


def reclipped_session() -> Any:
    return generate(SEED, fs=104.0, blocks=("lifts", "lifts"), reclip=True)


def second_note(v: Any) -> dict[str, Any]:
    """The guided-calibration note of the re-clip's calibration (as `kyphos live` writes it)."""
    c = v.script.reclip.calibration
    return {"kind": "calibration", "method": "guided",
            "upright": [round(x, 4) for x in c["upright"]],
            "bend": [round(x, 4) for x in c["bend"]]}
