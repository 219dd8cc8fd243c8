"""Shared pieces of the device commands (`kyphos scan|info|config|calibrate|record|download|
erase|pair`): the TARGET argument with its ``KYPHOS_DEVICE`` default, running a coroutine
with the device connected and always disconnected afterwards, a TTY-only progress bar, and
``kyphos info TARGET``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from kyphos.errors import KyphosError
from kyphos.protocol.constants import INFO_BATTERY_ADC, INFO_FUSION, INFO_HAPTIC

T = TypeVar("T")

BOARD_NAMES = {0: "virtual", 1: "XIAO ESP32-S3", 2: "XIAO ESP32-C3", 3: "ESP32 DevKitC"}
IMU_NAMES = {0: "none", 1: "LSM6DSOX", 2: "LSM6DS3TR-C", 3: "MPU-6050", 4: "MPU-6500"}


def need_target(args: argparse.Namespace) -> str:
    if not getattr(args, "target", None):
        raise KyphosError("no device given: pass TARGET (or set KYPHOS_DEVICE); `kyphos scan` lists boards")
    return str(args.target)


def run_async(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def with_device(
    args: argparse.Namespace, fn: Callable[[Any], Awaitable[T]], **kwargs: Any
) -> T:
    """Connect to the target, run ``fn(device)``, always disconnect. No keep-alive pings
    (``ping_interval_s=0``) unless asked: a one-shot command needs none."""
    from kyphos.link.device import connect

    target = need_target(args)
    kwargs.setdefault("command_timeout_s", getattr(args, "timeout", 5.0))
    kwargs.setdefault("ping_interval_s", 0)
    dev = await connect(target, **kwargs)
    try:
        return await fn(dev)
    finally:
        await dev.close()


class Progress:
    """A one-line progress bar on a TTY (stderr), nothing otherwise; one summary at the end."""

    def __init__(self, what: str, enabled: bool = True) -> None:
        self.what = what
        self.enabled = enabled and sys.stderr.isatty()
        self.t0 = time.monotonic()
        self.done = 0
        self.total = 0

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if not self.enabled:
            return
        frac = done / total if total else 1.0
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self.what} [{bar:<30}] {frac * 100:5.1f}% {done:,}/{total:,} B")
        sys.stderr.flush()

    def finish(self) -> str:
        if self.enabled:
            sys.stderr.write("\r" + " " * 79 + "\r")
        dt = max(time.monotonic() - self.t0, 1e-9)
        return f"{self.done:,} bytes in {dt:.1f} s ({self.done / dt / 1024:.1f} KiB/s)"


def info_dict(dev: Any, info: Any) -> dict[str, Any]:
    return {
        "target": dev.transport.name,
        "name": info.name,
        "device_id": info.device_id.hex(":"),
        "fw_version": ".".join(map(str, info.fw_version)),
        "board": BOARD_NAMES.get(info.board, str(info.board)),
        "imu": IMU_NAMES.get(info.imu_model, str(info.imu_model)),
        "odr_hz": info.odr_chz / 100,
        "acc_fs_g": info.acc_fs_g,
        "gyr_fs_dps": info.gyr_fs_dps,
        "fusion": bool(info.flags & INFO_FUSION),
        "haptic": bool(info.flags & INFO_HAPTIC),
        "battery_adc": bool(info.flags & INFO_BATTERY_ADC),
        "link": dev.transport.kind.value,
        "mtu": dev.transport.counters.mtu,
        "rssi_dbm": dev.transport.counters.rssi,
    }


def is_device_target(text: str) -> bool:
    """Whether ``kyphos info X`` means a board rather than a file."""
    low = text.lower()
    if low == "sim" or low.startswith(("sim:", "serial:")):
        return True
    if Path(text).exists() or low.endswith((".kyr", ".csv")):
        return False
    return True


def device_info(target: str, as_json: bool = False, timeout_s: float = 5.0,
                **connect_kw: Any) -> int:
    """``kyphos info TARGET``: connect (``connect_kw`` to :func:`kyphos.link.connect`), print
    the board's INFO and link facts."""
    import json

    async def go(dev: Any) -> dict[str, Any]:
        info = await dev.info()
        d = info_dict(dev, info)
        try:
            await dev.ping()
            d["latency_ms"] = round(dev.health().latency_ms or 0.0, 1)
        except KyphosError:
            pass
        d["encrypted"] = await dev.link_secure()
        return d

    ns = argparse.Namespace(target=target, timeout=timeout_s)
    d = run_async(with_device(ns, go, **connect_kw))
    if as_json:
        print(json.dumps(d))
    else:
        for k, v in d.items():
            print(f"{k:<12} {v}")
    return 0
