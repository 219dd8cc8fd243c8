"""download_logs: an interrupted download resumes from its .part file, the result is the
board's file byte for byte, and a damaged .part fails verification instead of passing."""

from __future__ import annotations

import asyncio

import pytest
from kyphos.link.device import connect
from kyphos.sim.clock import run
from kyphos.transport.base import LinkError


class Interrupt(Exception):
    pass


def test_download_resumes_and_matches_the_board_file(tmp_path):
    dest = tmp_path / "logs"

    async def full():
        dev = await connect("sim", config={"log_policy": "always"}, ping_interval_s=0)
        board = dev.transport.board
        try:
            await dev.start()
            await asyncio.sleep(15)
            await dev.stop()
            logs = await dev.log_list()
            assert logs and logs[0]["size"] > 20_000
            seen = []

            def stop_half(done, total):
                seen.append(done)
                if done > total // 2:
                    raise Interrupt

            with pytest.raises(Interrupt):
                await dev.download_logs(dest, progress=stop_half)
            part = next(dest.glob("*.part"))
            have = part.stat().st_size
            assert 0 < have < logs[0]["size"]
            resumed = []
            paths = await dev.download_logs(dest, progress=lambda d, t: resumed.append(d))
            assert resumed[0] > have  # the first progress after resuming starts past the part
            board_file = board.fs_root / "logs" / f"{logs[0]['id']:05d}.kyr"
            got = paths[0].read_bytes()
            assert len(got) >= logs[0]["size"]
            assert board_file.read_bytes()[: len(got)] == got

            # A damaged partial download is caught by verification.
            bad = dest / "log-00001.kyr"
            bad.rename(dest / "log-00001.kyr.part")
            raw = bytearray((dest / "log-00001.kyr.part").read_bytes())
            raw[len(raw) // 2] ^= 0x55
            (dest / "log-00001.kyr.part").write_bytes(raw[: len(raw) - 100])
            with pytest.raises(LinkError) as e:
                await dev.download_logs(dest, [1])
            assert "failed verification" in str(e.value) and "download again" in str(e.value)
        finally:
            await dev.close()

    run(full())
