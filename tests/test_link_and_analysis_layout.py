"""The tree shows the design (issue 17 item 4): `kyphos.link.Device` is assembled from one
module per concern, and the analysis does not import the session (the notebook API
`Session.analysis` calls the analysis, never the reverse). Before the split, every method
below lived in link/device.py (997 lines) and analysis.py imported kyphos.session."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from kyphos.link import Device

LINK = Path(__file__).resolve().parents[1] / "host" / "kyphos" / "link"

# concern -> public (or central) methods that must be defined in that module
WHERE = {
    "kyphos.link.receiver": ["stream", "end_stream", "note", "health", "clock_notes",
                             "missing_frames", "_dispatch", "_receive_loop"],
    "kyphos.link.pairing": ["link_secure", "require_secure", "pair"],
    "kyphos.link.commands": ["command", "ping", "info", "config_get", "config_set",
                             "calibrate", "marker"],
    "kyphos.link.logs": ["log_list", "read_log", "erase_logs", "download_logs"],
    "kyphos.link.backfill": ["backfill", "_backfill_from", "_scan_window"],
    "kyphos.link.reconnect": ["_recover", "_check_reboot", "_after_drop"],
    "kyphos.link.device": ["open", "close", "start", "stop"],
}


def test_device_methods_live_in_the_module_of_their_concern() -> None:
    for module, names in WHERE.items():
        for name in names:
            assert getattr(Device, name).__module__ == module, (name, module)


def test_each_link_module_stays_small() -> None:
    # a split that keeps one file per concern; the old device.py had 997 lines
    sizes = {p.name: len(p.read_text().splitlines()) for p in LINK.glob("*.py")}
    assert max(sizes.values()) < 400, sizes


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):  # TYPE_CHECKING blocks and functions too
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_analysis_does_not_import_the_session() -> None:
    analysis = LINK.parent / "analysis.py"
    assert not {m for m in _imports(analysis) if m == "kyphos.session"}
    code = "import sys, kyphos.analysis; print('kyphos.session' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    assert out == "False"
