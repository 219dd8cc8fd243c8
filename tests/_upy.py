"""The MicroPython unix port with NimBLE for the tests of the MicroPython runtime
(``kyphos.sim.upy``): built on first use (``make test`` builds it before pytest runs). Without
gcc/make the tests skip, and fail under CI=true."""

from __future__ import annotations

import os

import pytest
from kyphos.sim.upy.build import Binaries, BuildError, ensure_built


def binaries() -> Binaries:
    try:
        return ensure_built()
    except BuildError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"MicroPython unix port: {exc}", pytrace=False)
        pytest.skip(f"MicroPython unix port: {exc}")
