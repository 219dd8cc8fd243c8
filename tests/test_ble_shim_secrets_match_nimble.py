"""The bluetooth shim asks for secrets inside ``active(True)`` as the real NimBLE binding does
(issue 14 item 3): one MicroPython snippet records the GET/SET_SECRET calls that
``active(True)`` makes, run on the MicroPython 1.28 unix port built with NimBLE (HCI on a pty
served by a bumble controller, as kyphos.sim.upy does) and on CPython with the shim; the two
sequences must be the same. Three stores: empty; an IRK and no bonds; an IRK the handler does
not keep (SET_SECRET answered False: NimBLE then uses its fixed IRK and reads nothing more).
(Written first against the shim's reading of the sources, this test showed that NimBLE's own
``ble_hs_sync`` iterates the peers before the binding's ``load_irk`` does: the shim follows.)"""

from __future__ import annotations

import asyncio
import json
import os
import pty
import sys
import tty
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _upy import binaries  # noqa: E402

# The handler answers from `store` and logs every secret call; the log is printed as JSON.
SNIPPET = """
import bluetooth, json
store = {}
for t, k, v in json.loads(%r):
    store[(t, bytes(k))] = bytes(v)
keep = %r
log = []
def irq(event, data):
    if event == 29:
        t, i, key = data
        log.append(("get", t, i, None if key is None else list(bytes(key))))
        if key is None:
            vals = [v for (tt, _k), v in store.items() if tt == t]
            return vals[i] if i < len(vals) else None
        return store.get((t, bytes(key)))
    if event == 30:
        t, key, value = data
        log.append(("set", t, list(bytes(key)), None if value is None else len(value)))
        if keep and value is not None:
            store[(t, bytes(key))] = bytes(value)
        return keep
    return None
ble = bluetooth.BLE()
ble.irq(irq)
ble.config(bond=True, le_secure=True, mitm=True, io=1)
ble.active(True)
print("LOG" + json.dumps(log))
ble.active(False)
"""

CASES = {
    "empty store": ([], True),
    "irk stored, no bonds": ([[10, list(b"irk"), list(range(16))]], True),
    "handler keeps nothing": ([], False),
}


def _parse(text: str) -> list[Any]:
    for line in text.splitlines():
        if line.startswith("LOG"):
            return [tuple(x) for x in json.loads(line[3:])]
    raise AssertionError(f"no LOG line in:\n{text}")


async def _on_nimble(binary: Path, code: str) -> list[Any]:
    from bumble.transport.common import StreamPacketSink, StreamPacketSource
    from kyphos.sim.radio import VirtualRadio, _RadioController

    radio = VirtualRadio()
    primary, replica = pty.openpty()
    tty.setraw(primary)
    tty.setraw(replica)
    loop = asyncio.get_running_loop()
    rfile = open(primary, "rb", closefd=False)  # noqa: SIM115
    wfile = open(primary, "wb", closefd=False)  # noqa: SIM115
    read_t, source = await loop.connect_read_pipe(StreamPacketSource, rfile)
    write_t, _ = await loop.connect_write_pipe(asyncio.BaseProtocol, wfile)
    _RadioController("board-nimble", host_source=source, host_sink=StreamPacketSink(write_t),
                     link=radio.link, public_address="C4:11:22:33:44:99")
    env = dict(os.environ, MICROPYBTUART=os.ttyname(replica))
    proc = await asyncio.create_subprocess_exec(
        str(binary), "-c", code, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
        read_t.close()
        write_t.close()
        os.close(replica)
        await radio.close()
    return _parse(out.decode(errors="replace"))


async def _on_shim(code: str) -> list[Any]:
    import contextlib
    import io

    from kyphos.sim import shims
    from kyphos.sim.radio import VirtualRadio
    from kyphos.sim.shims import bluetooth as bt_shim

    shims.install()
    bt_shim.install()
    radio = VirtualRadio()
    ble = await radio.peripheral("C4:11:22:33:44:98")
    ble.active(False)
    ble.irq(None)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "<snippet>", "exec"), {})  # noqa: S102 - the MicroPython snippet
    finally:
        await radio.close()
    return _parse(out.getvalue())


def test_secrets_asked_in_active_true_match_nimble() -> None:
    binary = binaries().float32

    async def run() -> dict[str, tuple[list[Any], list[Any]]]:
        got = {}
        for name, (store, keep) in CASES.items():
            code = SNIPPET % (json.dumps(store), keep)
            got[name] = (await _on_nimble(binary, code), await _on_shim(code))
        return got

    got = asyncio.run(run())
    for name, (nimble, shim) in got.items():
        assert nimble == shim, (name, nimble, shim)
    # What NimBLE does, spelled out: ble_hs_sync restores the peers' IRKs (GET 2, i, None),
    # then the binding's load_irk reads (and makes) our IRK and restores them again.
    peers = ("get", 2, 0, None)
    irk = ("get", 10, 0, list(b"irk"))
    new_irk = ("set", 10, list(b"irk"), 16)
    assert got["empty store"][0] == [peers, irk, new_irk, peers]
    assert got["irk stored, no bonds"][0] == [peers, irk, peers]
    assert got["handler keeps nothing"][0] == [peers, irk, new_irk]
