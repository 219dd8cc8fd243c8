"""`require_secure` does not refuse an encrypted link on one stale STATUS: the board rewrites
its status characteristic on the link pass after the encryption change (firmware/app.py
``_links``), and a read can race it. An unencrypted link is refused at once."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from kyphos.link.pairing import Pairing
from kyphos.transport.base import LinkError, TransportKind


def _pairing(encrypted: bool, answers: list[bool]) -> tuple[Pairing, list[bool]]:
    seen: list[bool] = []

    class P(Pairing):
        async def link_secure(self) -> bool:
            ok = answers[min(len(seen), len(answers) - 1)]
            seen.append(ok)
            return ok

    t = SimpleNamespace(kind=TransportKind.BLE, encrypted=encrypted, name="sim")
    return P(t), seen  # type: ignore[arg-type]


def test_encrypted_link_with_a_stale_status_is_trusted_on_the_next_read() -> None:
    p, seen = _pairing(True, [False, False, True])
    asyncio.run(p.require_secure("erase the log"))
    assert seen == [False, False, True]


def test_unencrypted_link_is_refused_without_waiting() -> None:
    p, seen = _pairing(False, [False, True])
    with pytest.raises(LinkError, match="will not erase the log"):
        asyncio.run(p.require_secure("erase the log"))
    assert seen == [False]


def test_encrypted_link_the_board_never_trusts_is_refused() -> None:
    p, seen = _pairing(True, [False])
    with pytest.raises(LinkError, match="paired\\s+without the board's button|pair first"):
        asyncio.run(p.require_secure("erase the log"))
    assert len(seen) == 6
