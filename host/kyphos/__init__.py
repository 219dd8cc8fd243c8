"""kyphos: host toolkit for the open wearable posture sensor.

Quaternions are Hamilton, scalar first ``[w, x, y, z]``, sensor-to-earth, earth z up.
Units are SI inside (m/s², rad/s, s); degrees only at the edges.
"""

from __future__ import annotations

__version__ = "0.1.0"

from kyphos.errors import ConfigError, FrameError, KyphosError, RecordingError

__all__ = [
    "ConfigError",
    "FrameError",
    "KyphosError",
    "RecordingError",
    "__version__",
    "analyze_file",
    "connect",
    "load",
    "scan",
]


def load(path, **kwargs):  # type: ignore[no-untyped-def]
    """Load a recording (``.kyr``, board log, or CSV) as a :class:`kyphos.session.Session`."""
    from kyphos.recording.load import load as _load

    return _load(path, **kwargs)


def analyze_file(path, **kwargs):  # type: ignore[no-untyped-def]
    """The :class:`kyphos.analysis.Analysis` of a recording file: a ``.kyr`` file longer than
    2 h is analysed in chunks with bounded memory and the same results
    (:func:`kyphos.chunked.analyze_file`), anything else loaded whole and analysed. Below the
    validity bar it has no scores, as ``kyphos.load(path).analysis`` and ``kyphos analyze``
    (:func:`kyphos.processing.plausibility.gate_analysis`; why: ``.validity.warnings``)."""
    from kyphos.chunked import analyze_file as _analyze_file
    from kyphos.processing.plausibility import gate_analysis

    return gate_analysis(_analyze_file(path, **kwargs))


def connect(target, **kwargs):  # type: ignore[no-untyped-def]
    """Connect to a board: a BLE name or address, ``"serial:PORT"``, ``"sim"`` or
    ``"replay:FILE"``. Returns a :class:`kyphos.link.device.Device` (async API)."""
    from kyphos.link.device import connect as _connect

    return _connect(target, **kwargs)


def scan(**kwargs):  # type: ignore[no-untyped-def]
    """List kyphos boards in Bluetooth range and serial ports (async)."""
    from kyphos.link.device import scan as _scan

    return _scan(**kwargs)
