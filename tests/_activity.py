"""Shared by the activity tests: two classifications equal to the bit, field by field."""

from __future__ import annotations

import dataclasses

import numpy as np
from kyphos.processing import activity as act


def assert_same_activity(a: act.Activity, b: act.Activity) -> None:
    for f in dataclasses.fields(act.Activity):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f.name
        else:
            assert x == y, f.name
