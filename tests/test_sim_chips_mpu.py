"""The MPU-6050 / MPU-6500 register models behave like the register maps say."""

from __future__ import annotations

import struct

from kyphos.sim import chips


def _src(t: float) -> tuple[float, float, float, float, float, float]:
    return (0.0, 4.903325, 9.80665, 0.0, 0.0, 0.5)


def _start(chip: chips.MPU6050, div: int = 9) -> None:
    chip.write(chips.PWR_MGMT_1, b"\x01")
    chip.write(chips.SMPLRT_DIV, bytes([div]))
    chip.write(chips.CONFIG, b"\x03")
    chip.write(chips.FIFO_EN, b"\x78")
    chip.write(chips.USER_CTRL, b"\x40")


def test_who_am_i_and_sleep_after_power_on() -> None:
    assert chips.MPU6050(0x68).read(0x75, 1) == b"\x68"
    chip = chips.MPU6500(0x69)
    assert chip.read(0x75, 1) == b"\x70"
    assert chip.odr_hz() == 0  # asleep until PWR_MGMT_1 clears SLEEP


def test_sample_rate_is_gyro_rate_over_one_plus_divider() -> None:
    chip = chips.MPU6050(0x68)
    _start(chip, 9)
    assert chip.odr_hz() == 100.0
    chip.write(chips.CONFIG, b"\x00")  # DLPF off: 8 kHz gyro rate
    assert chip.odr_hz() == 800.0


def test_fifo_records_are_big_endian_acc_then_gyro() -> None:
    chip = chips.MPU6050(0x68, source=_src)
    _start(chip)
    chip.write(chips.ACCEL_CONFIG, bytes([1 << 3]))  # +-4 g: 8192 LSB/g
    chip.write(chips.GYRO_CONFIG, bytes([3 << 3]))  # +-2000 dps: 16.4 LSB/dps
    chip.advance_to(100_000)
    count = struct.unpack(">H", chip.read(chips.FIFO_COUNTH, 2))[0]
    assert count == 10 * 12
    rec = struct.unpack(">6h", chip.read(chips.FIFO_R_W, 12))  # FIFO_R_W does not advance
    assert rec[:3] == (0, 4096, 8192)
    assert rec[5] == round(0.5 * 57.29577951308232 * 16.4)
    assert struct.unpack(">H", chip.read(chips.FIFO_COUNTH, 2))[0] == 9 * 12


def test_6050_overflow_overwrites_oldest_bytes_and_flags_it() -> None:
    chip = chips.MPU6050(0x68, source=_src)
    _start(chip)
    chip.advance_to(2_000_000)  # 200 records > 1024 bytes
    assert struct.unpack(">H", chip.read(chips.FIFO_COUNTH, 2))[0] == 1024
    assert chip.read(chips.INT_STATUS, 1)[0] & 0x10
    assert not chip.read(chips.INT_STATUS, 1)[0] & 0x10  # cleared by reading
    # 1024 is not a multiple of 12: the oldest record in the FIFO is cut
    assert 1024 % 12 != 0


def test_6500_fifo_mode_one_keeps_old_data() -> None:
    chip = chips.MPU6500(0x68, source=_src)
    _start(chip)
    chip.write(chips.CONFIG, b"\x43")  # FIFO_MODE | DLPF 3
    chip.advance_to(2_000_000)
    assert struct.unpack(">H", chip.read(chips.FIFO_COUNTH, 2))[0] == 504  # 42 whole records
    assert chip.read(chips.INT_STATUS, 1)[0] & 0x10


def test_fifo_reset_is_self_clearing() -> None:
    chip = chips.MPU6050(0x68, source=_src)
    _start(chip)
    chip.advance_to(100_000)
    chip.write(chips.USER_CTRL, b"\x04")  # FIFO off + reset (test below: 0x44 resets nothing)
    assert chip.read(chips.FIFO_COUNTH, 2) == b"\x00\x00"
    assert chip.read(chips.USER_CTRL, 1) == b"\x00"


def test_temperature_registers() -> None:
    chip = chips.MPU6050(0x68, temp_c=30.0)
    _start(chip)
    chip.advance_to(20_000)
    raw = struct.unpack(">h", chip.read(chips.TEMP_OUT_H, 2))[0]
    assert abs(raw / 340 + 36.53 - 30.0) < 0.01


def test_fifo_reset_only_while_fifo_en_is_off() -> None:
    """RM-MPU-6000A register 106: FIFO_RESET acts "while FIFO_EN equals 0"."""
    chip = chips.MPU6050(0x68, source=_src)
    _start(chip)
    chip.advance_to(100_000)
    held = chip.read(chips.FIFO_COUNTH, 2)
    assert held != b"\x00\x00"
    chip.write(chips.USER_CTRL, b"\x44")  # enable and reset at once: no reset
    assert chip.read(chips.FIFO_COUNTH, 2) == held
    chip.write(chips.USER_CTRL, b"\x04")  # FIFO off + reset
    assert chip.read(chips.FIFO_COUNTH, 2) == b"\x00\x00"
    chip.write(chips.USER_CTRL, b"\x40")
    chip.advance_to(200_000)
    assert chip.read(chips.FIFO_COUNTH, 2) == struct.pack(">H", 10 * 12)


def test_clones_answer_their_own_who_am_i() -> None:
    assert chips.MPU6050Clone(0x68).read(0x75, 1) == b"\x98"
    assert chips.MPU9250(0x68).read(0x75, 1) == b"\x71"
    assert chips.MPU9250.FIFO_BYTES == 512  # a 6500 core
