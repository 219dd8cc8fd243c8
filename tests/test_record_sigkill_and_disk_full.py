"""The recorder is killed with SIGKILL mid-recording (a real `kyphos record` process reading a
board on a pseudo-terminal in another process): at most 1 s of data is lost and the file is
valid. A full disk stops a recording with a one-line error and leaves a valid file."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from kyphos.errors import RecordingError
from kyphos.link.device import connect
from kyphos.recording.kyr import read_kyr
from kyphos.recording.recorder import record
from kyphos.sim.clock import run

ROOT = Path(__file__).resolve().parents[1]
KYPHOS = [sys.executable, "-c", "import sys; from kyphos.cli import main; sys.exit(main())"]
BOARD = textwrap.dedent(
    """
    import asyncio, sys, time
    from kyphos.sim.board import VirtualBoard
    from kyphos.sim.radio import VirtualRadio

    async def main():
        board = VirtualBoard("demo", seed=1, serial=True, config={"log_policy": "never"})
        await board.start(VirtualRadio())
        # Wall-clock time of device time 0 (this boot), measured at one instant.
        t0 = time.time() - board.clock.now_us() / 1e6
        print(board.serial.path, repr(t0), flush=True)
        await asyncio.sleep(float(sys.argv[1]))
        await board.stop()

    asyncio.run(main())
    """
)


def _last_sample_s(path: Path) -> tuple[float, int]:
    kyr = read_kyr(path)
    last = None
    n = 0
    for _h, raw in kyr.frames():
        if raw[1] == 0x02:
            t_us = struct.unpack_from("<I", raw, 6)[0]
            period_ns, count = struct.unpack_from("<IB", raw, 10)
            last = t_us / 1e6 + (count - 1) * period_ns / 1e9
            n += count
    assert last is not None
    return last, n


def test_sigkill_of_a_real_recorder_loses_at_most_one_second(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    board = subprocess.Popen([sys.executable, "-c", BOARD, "20"], stdout=subprocess.PIPE,
                             text=True, env=env, cwd=ROOT)
    rec = None
    try:
        pty, t0 = board.stdout.readline().split()
        out = tmp_path / "killed.kyr"
        rec = subprocess.Popen([*KYPHOS, "record", "--device", f"serial:{pty}", "-o", str(out),
                                "--no-progress"], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # until a few seconds of samples are in the file
            if out.exists() and out.stat().st_size > 24_000:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"recorder wrote nothing: {rec.communicate(timeout=5)}")
        rec.send_signal(signal.SIGKILL)
        killed_at = time.time()
        rec.wait(timeout=10)
        assert rec.returncode == -signal.SIGKILL
    finally:
        for p in (rec, board):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(timeout=10)

    kyr = read_kyr(out)
    assert all(d.kind == "torn tail" for d in kyr.index.damage)  # valid up to the end
    last_s, samples = _last_sample_s(out)
    device_now_s = killed_at - float(t0)  # the board's clock at the kill (an upper bound)
    lost_s = device_now_s - last_s
    print(f"SIGKILL: {samples} samples in the file, lost {lost_s:.3f} s")
    assert samples > 104
    assert 0 <= lost_s <= 1.0, f"lost {lost_s:.3f} s"


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True)
    return r.returncode == 0


def test_disk_full_stops_with_a_clear_error_and_a_valid_file(tmp_path):
    small = tmp_path / "small"
    if _tmpfs(small, "48k"):
        try:
            out = small / "full.kyr"

            async def scenario():
                dev = await connect("sim", ping_interval_s=0)
                try:
                    await record(dev, out, duration_s=600)
                finally:
                    await dev.close()

            with pytest.raises(RecordingError) as e:
                run(scenario())
            msg = str(e.value)
            data = out.read_bytes()
        finally:
            subprocess.run(["umount", str(small)], check=False)
    else:  # no mount permission: the kernel's file size limit gives EFBIG instead of ENOSPC
        out = tmp_path / "full.kyr"
        code = textwrap.dedent(
            """
            import resource, signal, sys
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (48 * 1024, 48 * 1024))
            from kyphos.cli import main
            sys.exit(main(sys.argv[1:]))
            """
        )
        r = subprocess.run([sys.executable, "-c", code, "record", "--device", "sim", "-o",
                            str(out), "--no-progress"], capture_output=True, text=True,
                           timeout=120, cwd=ROOT)
        assert r.returncode == 1
        msg = r.stderr.strip().splitlines()[-1]
        data = out.read_bytes()
    assert msg.count("\n") == 0 and "disk full" in msg and str(out) in msg
    kyr = read_kyr(data)
    assert kyr.header["source"] == "sim"
    assert len(kyr.index.offsets) > 50
    assert all(d.kind == "torn tail" for d in kyr.index.damage)
