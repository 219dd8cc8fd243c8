"""The golden vectors decode to their JSON and the JSON re-encodes to the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kyphos.protocol.ble import pack_notifications, split_notification
from kyphos.protocol.fields import frame_from_json, frame_to_json
from kyphos.protocol.frames import decode_frames, encode_frame
from kyphos.protocol.serial import decode_serial, serial_stream
from kyphos.recording.kyr import header_bytes, read_kyr, record_bytes

VECTORS = Path(__file__).parent / "vectors"
NAMES = sorted(p.stem for p in VECTORS.glob("*.json"))


def _load(name: str) -> tuple[bytes, dict]:
    return (VECTORS / f"{name}.bin").read_bytes(), json.loads((VECTORS / f"{name}.json").read_text())


def test_vectors_cover_every_frame_type_and_kind() -> None:
    types, kinds = set(), set()
    for name in NAMES:
        _, doc = _load(name)
        kinds.add(doc["kind"])
        types |= {f["type"] for f in doc["frames"]}
    assert kinds == {"frames", "serial", "kyr"}
    assert types == {"INFO", "IMU", "QUAT", "STATUS", "EVENT", "LOG_CHUNK", "CMD", "ACK", "ERR",
                     "NOTE"}


@pytest.mark.parametrize("name", NAMES)
def test_vector_decodes_to_json_and_reencodes_to_bin(name: str) -> None:
    data, doc = _load(name)
    expected = doc["frames"]
    raw = [encode_frame(frame_from_json(f)) for f in expected]
    if doc["kind"] == "frames":
        got = [frame_to_json(f) for f in decode_frames(data)]
        assert b"".join(raw) == data
    elif doc["kind"] == "serial":
        got = [frame_to_json(f) for f in decode_serial(data)]
        assert serial_stream(raw) == data
    else:
        kyr = read_kyr(data)
        assert kyr.header == doc["header"]
        assert kyr.index.damage == []
        records = kyr.frames()
        assert [h for h, _ in records] == doc["host_us"]
        got = [frame_to_json(decode_frames(fr)[0]) for _, fr in records]
        rebuilt = header_bytes(doc["header"]) + b"".join(
            record_bytes(r, h) for r, h in zip(raw, doc["host_us"], strict=True)
        )
        assert rebuilt == data
    assert got == expected


def test_ble_vector_is_one_notification_of_at_most_182_bytes() -> None:
    data, doc = _load("ble_notification")
    assert len(data) <= 182 and len(doc["frames"]) > 1
    assert pack_notifications([encode_frame(frame_from_json(f)) for f in doc["frames"]]) == [data]
    assert len(split_notification(data)) == len(doc["frames"])


def test_serial_vector_has_zero_bytes_in_its_frames() -> None:
    data, doc = _load("serial_stream")
    raw = [encode_frame(frame_from_json(f)) for f in doc["frames"]]
    assert all(0 in r for r in raw)
    assert data.count(0) == len(raw)  # only the delimiters


def test_vectors_are_up_to_date(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for name in mod.write_all(tmp_path):
        for ext in ("bin", "json"):
            assert (tmp_path / f"{name}.{ext}").read_bytes() == (VECTORS / f"{name}.{ext}").read_bytes(), name
