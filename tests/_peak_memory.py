"""Peak memory of one call, for the tests that bound how many full-length arrays a stage holds."""

from __future__ import annotations

import tracemalloc
from typing import Any


def peak_bytes(fn: Any) -> tuple[Any, int]:
    """``fn()`` and the most memory it held at once beyond what was held before (bytes)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        return out, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
