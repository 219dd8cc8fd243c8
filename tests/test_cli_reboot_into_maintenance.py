"""``kyphos reboot [--maintenance]`` (issue 14's gap: the REBOOT command's maintenance boot had
no host command): the host sends REBOOT with argument 1, the board writes main.py's flag file
and resets; over an unencrypted BLE link the host refuses before sending anything. Against the
virtual board (the real firmware on CPython)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from kyphos.cli import main


async def _reboot_sim(transport: str, maintenance: bool) -> tuple[Any, bool]:
    import kyphos

    dev = await kyphos.connect(f"sim:{transport}", ping_interval_s=0)
    board = dev.transport.board  # type: ignore[attr-defined]
    boots = board.boots
    try:
        await dev.reboot(maintenance)
        for _ in range(100):  # the board resets ~0.3 s after its ACK
            if board.boots > boots:
                break
            await asyncio.sleep(0.05)
        flag = (board.fs_root / ".kyphos_maint").exists()
        return board, flag and board.boots > boots
    finally:
        await dev.close()


def test_reboot_maintenance_writes_the_flag_and_resets() -> None:
    board, ok = asyncio.run(_reboot_sim("serial", True))
    assert ok, (board.boots, sorted(p.name for p in board.fs_root.iterdir()))


def test_plain_reboot_resets_without_the_flag() -> None:
    async def run() -> tuple[bool, int]:
        import kyphos

        dev = await kyphos.connect("sim:serial", ping_interval_s=0)
        board = dev.transport.board  # type: ignore[attr-defined]
        try:
            await dev.reboot()
            for _ in range(100):
                if board.boots > 1:
                    break
                await asyncio.sleep(0.05)
            return (board.fs_root / ".kyphos_maint").exists(), board.boots
        finally:
            await dev.close()

    flag, boots = asyncio.run(run())
    assert not flag and boots == 2


def test_cli_reboot_help_and_refusal_over_unpaired_ble(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["reboot", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "kyphos reboot --device" in out and "--maintenance" in out
    assert main(["reboot", "--device", "sim", "--maintenance"]) == 1  # BLE, not paired
    err = capsys.readouterr().err
    assert "pair first" in err and err.count("\n") == 1


def test_cli_reboot_maintenance_over_serial(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reboot", "--device", "sim:serial", "--maintenance"]) == 0
    assert "maintenance boot" in capsys.readouterr().out
