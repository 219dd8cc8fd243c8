"""Where kyphos finds the files it ships: the firmware, the simulator's scenarios and the
exercise programmes, in a checkout and in an installed wheel alike.

The firmware has one source of truth, ``firmware/`` at the top of the repository. A wheel carries
a copy made at build time as ``kyphos/_firmware/`` (``setup.py``); a checkout (or an editable
install of one) has no copy and uses ``firmware/`` itself. Scenarios and programmes live inside
the package (``kyphos/sim/scenarios``, ``kyphos/assess/programs``) and are package data.

    >>> from kyphos.resources import firmware_dir
    >>> (firmware_dir() / "boards.py").is_file()
    True
"""

from __future__ import annotations

from pathlib import Path

from kyphos.errors import KyphosError

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_FIRMWARE = PACKAGE_DIR / "_firmware"  # in a wheel
CHECKOUT_FIRMWARE = PACKAGE_DIR.parents[1] / "firmware"  # host/kyphos/ -> the repository's top


def firmware_dir() -> Path:
    """The folder of MicroPython files that ``kyphos deploy`` copies to a board and the virtual
    board runs: ``kyphos/_firmware/`` in an installed wheel, else the checkout's ``firmware/``.

    Raises:
        KyphosError: neither exists (a broken install).
    """
    for d in (PACKAGED_FIRMWARE, CHECKOUT_FIRMWARE):
        if (d / "boards.py").is_file():
            return d
    raise KyphosError(f"kyphos's firmware is missing (looked in {PACKAGED_FIRMWARE} and "
                      f"{CHECKOUT_FIRMWARE}): reinstall kyphos")


def scenario_dir() -> Path:
    """The bundled simulator scenarios (``*.json``, docs/scenarios.md)."""
    return PACKAGE_DIR / "sim" / "scenarios"


def program_dir() -> Path:
    """The bundled exercise programmes (``*.json``, docs/assessment.md)."""
    return PACKAGE_DIR / "assess" / "programs"
