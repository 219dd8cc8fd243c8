"""docs/firmware.md lists every firmware config key with the schema's default, and
every board profile."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[1] / "docs" / "firmware.md"


def _key_rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\| `([a-z_0-9]+)` \| [^|]+ \| `([^`]*)` \|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def test_doc_table_has_every_key_with_its_default(firmware_shims: Any) -> None:
    import config

    rows = _key_rows()
    assert sorted(rows) == config.KEYS
    for key in config.KEYS:
        assert json.loads(rows[key]) == config.SCHEMA[key][3], key


def test_doc_names_every_board(firmware_shims: Any) -> None:
    import boards

    text = DOC.read_text()
    for name in boards.names():
        assert f'"{name}"' in text
        p = boards.get(name)
        if name != "virtual":
            for pin in ("sda", "scl", "motor_pwm", "batt_adc"):
                assert f"GPIO{p[pin]}" in text, (name, pin)
