"""The host's side of issue 14 item 4: a Windows-like host (Just Works, bleak's WinRT backend
pairs "confirm only") that pairs without the board's button gets an encrypted link that may
stream and read; `kyphos.link` refuses config and erase on it before sending anything, and
`pair()` says to press the button and pair again. The trust comes from the board's STATUS
(flags bit12), not from the link being encrypted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from kyphos.link.device import connect
from kyphos.sim.clock import run
from kyphos.transport.base import LinkError
from kyphos.transport.bumble_backend import BumbleClient, BumbleScanner, use_adapter


@contextlib.asynccontextmanager
async def _linked(seed: int, **central: Any) -> AsyncIterator[tuple[Any, Any]]:
    """A demo board on a fresh radio and a ``kyphos.link`` Device connected to it through a
    central made with ``radio.central(**central)`` (how the host pairs); all closed after."""
    from kyphos.sim.board import VirtualBoard
    from kyphos.sim.radio import VirtualRadio

    radio = VirtualRadio()
    board = VirtualBoard("demo", seed=seed)
    await board.start(radio)
    use_adapter(await radio.central(**central))
    dev = None
    try:
        async with asyncio.timeout(20):
            while board.device is None:
                await asyncio.sleep(0.05)
        dev = await connect(str(board.device.name), ping_interval_s=0, backend=BumbleClient,
                            scanner_backend=BumbleScanner)
        yield board, dev
    finally:
        if dev is not None:
            await dev.close()
        use_adapter(None)
        await board.stop()
        board.cleanup()
        await radio.close()


def test_just_works_pairing_without_the_button_is_encrypted_but_not_trusted() -> None:
    async def scenario() -> None:
        async with _linked(3, pairing="just-works") as (board, dev):
            t = dev.transport
            with pytest.raises(LinkError) as e:
                await dev.pair()  # no button press: Just Works outside the window
            assert "button" in str(e.value) and "pair again" in str(e.value)
            assert t.encrypted and not await dev.link_secure()
            sent = t.counters.frames_out
            with pytest.raises(LinkError) as e:
                await dev.config_set(log_policy="always")
            assert "button" in str(e.value)
            assert t.counters.frames_out == sent, "nothing was sent"
            assert (await dev.config_get("log_policy"))["log_policy"]  # reading works

    run(scenario())


def test_kyphos_pair_on_a_mac_pairs_on_demand() -> None:
    """bleak cannot pair on macOS (pair() raises NotImplementedError): `kyphos pair` reads the
    board's pairing characteristic instead, and the OS pairs on demand (button pressed first)."""

    async def scenario() -> None:
        async with _linked(4, pairing="on-demand", private=True) as (board, dev):
            board.press("short")
            await asyncio.sleep(0.8)  # debounce + the double-press wait
            await dev.pair()
            assert await dev.link_secure()
            assert await dev.config_set(log_policy="always") == {"log_policy": "always"}

    run(scenario())
