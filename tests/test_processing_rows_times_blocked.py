"""``angles._rows_times`` evaluates the five rotation-matrix entries in cache-sized blocks
(issue 15's speed target); it must give, to the bit, what one whole-array evaluation of the
same formulas gives — across block edges and for fewer samples than a block."""

from __future__ import annotations

import numpy as np
import pytest
from kyphos.processing.angles import _BLOCK, _right_product, _rows_times


@pytest.mark.parametrize("n", [1, 7, _BLOCK, _BLOCK + 1, 3 * _BLOCK + 5])
def test_blocked_entries_equal_the_whole_array_formulas(n: int) -> None:
    rng = np.random.default_rng(n)
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1)[:, None]
    m = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    w, x, y, z = _right_product(m) @ q.T
    want = (1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y),
            2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y))
    got = _rows_times(q, m)
    assert all(np.array_equal(g, v) for g, v in zip(got, want, strict=True))
