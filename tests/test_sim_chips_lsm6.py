"""The LSM6DSOX and LSM6DS3TR-C register models behave like the datasheets say."""

from __future__ import annotations

import struct

import pytest
from kyphos.sim import chips


def _src(t: float) -> tuple[float, float, float, float, float, float]:
    return (0.5, -1.0, 9.80665, 0.01, 0.02, -0.03)


def _start_dsox(chip: chips.LSM6DSOX, wtm: int = 30) -> None:
    chip.write(chips.CTRL1_XL, bytes([0x4C]))  # 104 Hz, +-8 g
    chip.write(chips.CTRL2_G, bytes([0x48]))  # 104 Hz, 1000 dps
    chip.write(chips.CTRL10_C, bytes([0x20]))
    chip.write(chips.FIFO_CTRL1_DSOX, bytes([wtm, 0, 0x44, 0x46]))  # burst over CTRL1..4


def test_dsox_who_am_i_and_reset_values() -> None:
    chip = chips.LSM6DSOX(0x6A)
    assert chip.read(0x0F, 1) == b"\x6c"
    assert chip.read(chips.CTRL3_C, 1) == b"\x04"  # IF_INC at reset
    assert chip.odr_hz() == 0


def test_dsox_odr_and_full_scale_follow_the_control_registers() -> None:
    chip = chips.LSM6DSOX(0x6A)
    for code, hz in ((2, 26.0), (3, 52.0), (4, 104.0), (5, 208.0)):
        chip.write(chips.CTRL1_XL, bytes([code << 4]))
        assert chip.odr_hz() == hz
    for bits, g in ((0, 2), (1, 16), (2, 4), (3, 8)):
        chip.write(chips.CTRL1_XL, bytes([0x40 | bits << 2]))
        assert chip.acc_fs_g() == g


def test_dsox_fifo_holds_tagged_words_in_order_with_timestamps() -> None:
    chip = chips.LSM6DSOX(0x6A, source=_src)
    _start_dsox(chip)
    chip.advance_to(100_000)  # 10 samples at 104 Hz
    st = chip.read(chips.FIFO_STATUS1, 2)
    level = st[0] | (st[1] & 3) << 8
    assert level == 30
    assert st[1] & 0x80  # watermark reached
    words = chip.read(chips.FIFO_DATA_OUT_TAG, 7 * level)  # one burst: the window wraps
    tags = [words[7 * i] >> 3 for i in range(level)]
    assert tags == [chips.TAG_TS, chips.TAG_GYRO, chips.TAG_ACC] * 10
    ts = [struct.unpack_from("<I", words, 7 * i + 1)[0] for i in range(0, level, 3)]
    steps = {b - a for a, b in zip(ts, ts[1:], strict=False)}
    assert steps <= {384, 385}  # 9615 us in 25 us ticks
    ax, ay, az = struct.unpack_from("<3h", words, 7 * 2 + 1)
    assert az == round(9.80665 / (0.244e-3 * 9.80665))
    assert chip.read(chips.FIFO_STATUS1, 1) == b"\x00"


def test_dsox_continuous_mode_overrun_drops_oldest_and_latches() -> None:
    chip = chips.LSM6DSOX(0x6A, source=_src)
    _start_dsox(chip)
    chip.advance_to(10_000_000)
    st = chip.read(chips.FIFO_STATUS1, 2)
    assert (st[0] | (st[1] & 3) << 8) == chip.FIFO_WORDS
    assert st[1] & 0x40 and st[1] & 0x08 and st[1] & 0x20
    assert not chip.read(chips.FIFO_STATUS2, 1)[0] & 0x08  # the latched flag clears on read
    chip.read(chips.FIFO_DATA_OUT_TAG, 7)
    assert not chip.read(chips.FIFO_STATUS2, 1)[0] & 0x40


def test_dsox_bypass_mode_empties_the_fifo() -> None:
    chip = chips.LSM6DSOX(0x6A, source=_src)
    _start_dsox(chip)
    chip.advance_to(50_000)
    chip.write(chips.FIFO_CTRL4_DSOX, b"\x00")
    assert chip.read(chips.FIFO_STATUS1, 1) == b"\x00"


def test_ds3trc_pattern_fifo_is_gyro_then_acc_words() -> None:
    chip = chips.LSM6DS3TRC(0x6B, source=_src)
    assert chip.read(0x0F, 1) == b"\x6a"
    chip.write(chips.CTRL1_XL, bytes([0x4C]))
    chip.write(chips.CTRL2_G, bytes([0x48]))
    chip.write(chips.FIFO_CTRL3_DS3, bytes([0x09]))
    chip.write(chips.FIFO_CTRL5_DS3, bytes([4 << 3 | 6]))
    chip.advance_to(50_000)  # 5 samples
    st = chip.read(chips.FIFO_STATUS1, 4)
    assert (st[0] | (st[1] & 7) << 8) == 30 and st[2] == 0
    data = chip.read(chips.FIFO_DATA_OUT_L, 12)
    gx, gy, gz, ax, ay, az = struct.unpack("<6h", data)
    assert (gx, gy, gz) == tuple(round(v * 57.29577951308232 / 35e-3) for v in (0.01, 0.02, -0.03))
    assert az == round(1 / 0.244e-3)
    chip.read(chips.FIFO_DATA_OUT_L, 2)  # one word more: the pattern index moves on
    assert chip.read(chips.FIFO_STATUS3, 1) == b"\x01"


def test_ds3trc_timestamp_resolution_follows_timer_hr() -> None:
    chip = chips.LSM6DS3TRC(0x6A)
    chip.write(chips.CTRL1_XL, bytes([0x40]))
    chip.write(chips.CTRL10_C, bytes([0x20]))
    chip.advance_to(1_000_000)
    slow = int.from_bytes(chip.read(chips.TIMESTAMP0, 3), "little")
    chip.write(chips.WAKE_UP_DUR, bytes([0x10]))
    fast = int.from_bytes(chip.read(chips.TIMESTAMP0, 3), "little")
    assert slow == 1_000_000 // 6400 and fast == 1_000_000 // 25


@pytest.mark.parametrize("cls", [chips.LSM6DSOX, chips.LSM6DS3TRC])
def test_software_reset_restores_defaults(cls: type[chips.Chip]) -> None:
    chip = cls(0x6A)
    chip.write(chips.CTRL1_XL, bytes([0x4C]))
    chip.write(chips.CTRL3_C, b"\x01")
    assert chip.read(chips.CTRL1_XL, 1) == b"\x00" and chip.read(chips.CTRL3_C, 1) == b"\x04"


def _wake_setup(chip: chips.LSM6DSOX, ths: int, tap_cfg0: int = 0, ths_w: bool = False,
                hpcf: int = 0) -> None:
    chip.write(chips.CTRL1_XL, bytes([0x4C]))  # 104 Hz, +-8 g
    chip.write(chips.WAKE_UP_THS, bytes([ths]))
    chip.write(chips.WAKE_UP_DUR, bytes([0x10 if ths_w else 0]))
    chip.write(chips.TAP_CFG0, bytes([tap_cfg0]))
    chip.write(chips.CTRL8_XL, bytes([hpcf << 5]))
    chip.write(chips.TAP_CFG2, b"\x80")  # INTERRUPTS_ENABLE
    chip.write(chips.MD1_CFG, b"\x20")  # INT1_WU


def _walk(amp: float, f_hz: float = 2.0) -> object:
    import math

    return lambda t: (0.0, 0.0, 9.80665 + amp * math.sin(2 * math.pi * f_hz * t), 0.0, 0.0, 0.0)


def test_dsox_wake_up_latched_only_with_lir() -> None:
    for lir, seen_later in ((0, False), (1, True)):
        chip = chips.LSM6DSOX(0x6A)
        _wake_setup(chip, 2, tap_cfg0=lir)
        chip.advance_to(200_000)
        chip.source = lambda t: (3.0, 0.0, 9.80665, 0.0, 0.0, 0.0) if t < 0.21 else _src(0)[:2] + (9.80665, 0.0, 0.0, 0.0)
        chip.advance_to(600_000)  # one step of 3 m/s^2 at 0.2 s, then still again
        assert bool(chip.read(chips.WAKE_UP_SRC, 1)[0] & 0x08) is seen_later, lir
        assert chip.int1 == 0  # read clears a latched event; an unlatched one is long over


def test_dsox_wake_threshold_weight_and_high_pass_path() -> None:
    """Walking at the upper back (0.15 g at 2 Hz) changes by ~18 mg per sample at 104 Hz: the
    slope filter at its finest 8 g step (125 mg) misses it; the high-pass path (SLOPE_FDS,
    ODR/100) with WAKE_THS_W (31.25 mg steps) sees it."""
    amp = 0.15 * 9.80665
    cases = (
        (dict(ths=1), False),  # slope, 125 mg
        (dict(ths=2, ths_w=True), False),  # slope, 62.5 mg
        (dict(ths=1, tap_cfg0=0x51, hpcf=4), True),  # HPF, 125 mg
        (dict(ths=2, tap_cfg0=0x51, ths_w=True, hpcf=4), True),  # HPF, 62.5 mg
        (dict(ths=8, tap_cfg0=0x51, ths_w=True, hpcf=4), False),  # HPF, 250 mg: too high
    )
    for kw, woke in cases:
        chip = chips.LSM6DSOX(0x6A, source=_walk(amp))
        _wake_setup(chip, **kw)  # type: ignore[arg-type]
        chip.advance_to(3_000_000)
        assert bool(chip.read(chips.WAKE_UP_SRC, 1)[0] & 0x08) is woke, kw
    assert chips.LSM6DSOX(0x6A).i3c_enabled  # CTRL9_XL resets to 0xE0
