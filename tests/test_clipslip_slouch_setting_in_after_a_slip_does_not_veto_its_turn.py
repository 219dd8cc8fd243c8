"""A clip slip made standing, then a standing slouch in the slip's direction: the slouch reads
near upright in the old mounting at its start only (it sets in while held still). Two held
steps the slip undoes tie (the slip's own, and the slouch's release 35 s later); the slip's
own window turns as the slip does (0.17 of it, 0.03 m/s²), but the slouch's one end reading old
vetoed that turn, and the release took the slip. Only a posture reading old at both ends
vetoes it now (clipslip.place_slip)."""

import pytest
from _slip_session import slip_and_re_references


@pytest.mark.parametrize("fs", [208.0])
def test_slouch_setting_in_after_a_slip_does_not_veto_its_turn(fs: float) -> None:
    """Validation-family development seed 21015 @208 Hz: the slip (11.9 deg at 258.4 s) was
    placed at 293.9 s, 35.5 s late; now within 2 s."""
    t_slip, got = slip_and_re_references(21015, fs)
    assert len(got) == 1 and abs(got[0] - t_slip) < 2.0, (got, t_slip)
