"""The guided ROM assessment: its phases, prompts and what ends each phase.

A phase is either **still** (the wearer holds a neutral posture; it ends after ``still_s`` of
continuous stillness) or **move** (the wearer repeats a movement ``repeats`` times; it ends
when that many repeats have gone out and come back). The order follows the issue: upright
neutral, maximal flexion, extension, lateral flexion left and right standing, then sitting
down (seated neutral) and seated rotation left and right — seated so the pelvis is fixed and
the hips add little to the rotation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Phase:
    """One step of a guided protocol.

    Attributes:
        name: label written to the recording (``neutral``, ``flexion``, …, ``seated_neutral``).
        kind: ``still`` or ``move``.
        prompt: what the screen says at the start of the phase.
        direction: for ``move``: a key of :data:`kyphos.metrics.rom.DIRECTIONS`, or a
            two-sided type (``flexion_extension``, ``lateral``, ``rotation``) for exercises.
        repeats: movements needed to end a ``move`` phase.
        posture: ``stand`` or ``sit`` (for the prompt and the report).
        still_s: continuous stillness that ends a ``still`` phase, s.
        needs_motion: for ``still``: count stillness only after the wearer has moved in
            this phase (sitting down), so standing still before it does not end the phase.
        timeout_s: the phase ends anyway after this long, s (a flag is kept).
    """

    name: str
    kind: str
    prompt: str
    direction: str | None = None
    repeats: int = 3
    posture: str = "stand"
    still_s: float = 3.0
    timeout_s: float = 90.0
    needs_motion: bool = False  # stillness counts only after some movement in this phase

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ASSESSMENT: tuple[Phase, ...] = (
    Phase("neutral", "still", "Stand upright and relaxed, arms by your sides, look ahead. "
          "Keep still.", still_s=4.0),
    Phase("flexion", "move", "Bend forward as far as you comfortably can, pause, and come back "
          "up. Three times.", "flexion"),
    Phase("extension", "move", "Lean back as far as you comfortably can, pause, and come back. "
          "Three times.", "extension"),
    Phase("lateral_left", "move", "Slide your left hand down the side of your leg as far as you "
          "can, pause, and come back. Three times.", "lateral_left"),
    Phase("lateral_right", "move", "Slide your right hand down the side of your leg as far as "
          "you can, pause, and come back. Three times.", "lateral_right"),
    Phase("seated_neutral", "still", "Sit down on a chair, feet flat, arms crossed on your "
          "chest, and sit upright. Keep still.", posture="sit", still_s=3.0,
          needs_motion=True),
    Phase("rotation_left", "move", "Keeping your hips on the chair, turn your trunk to the left "
          "as far as you can, pause, and come back. Three times.", "rotation_left", posture="sit"),
    Phase("rotation_right", "move", "Keeping your hips on the chair, turn your trunk to the "
          "right as far as you can, pause, and come back. Three times.", "rotation_right",
          posture="sit"),
)

#: The six ROM directions of the assessment, in protocol order.
ASSESSMENT_DIRECTIONS = tuple(p.direction for p in ASSESSMENT if p.direction)
