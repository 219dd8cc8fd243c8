"""Issue 14 item 9 (heap): imu.py imports only the driver of the chip that answers, so a board
holds one driver's bytecode on its heap, not both (2.7-3.8 KB on a 32-bit port,
bench/bench_upy_heap.py). Old code imported lsm6 and mpu6 at the top of imu.py."""

from __future__ import annotations

import sys

import pytest
from kyphos.sim import chips, shims


@pytest.fixture
def fresh_imu():
    shims.install()
    import machine

    machine.reset_state()
    for name in ("imu", "lsm6", "mpu6"):
        sys.modules.pop(name, None)
    import imu

    yield imu, machine
    machine.reset_state()
    for name in ("imu", "lsm6", "mpu6"):
        sys.modules.pop(name, None)


def test_driver_addresses_and_registers_agree(fresh_imu):
    import imuprobe
    import lsm6
    import mpu6

    p = imuprobe
    assert p._LSM6_ADDRESSES == lsm6.ADDRESSES and p._LSM6_WHO_REG == lsm6.WHO_AM_I_REG
    assert p._MPU6_ADDRESSES == mpu6.ADDRESSES and p._MPU6_WHO_REG == mpu6.WHO_AM_I_REG


@pytest.mark.parametrize(("chip", "address", "loaded", "absent"), [
    (chips.LSM6DSOX, 0x6A, "lsm6", "mpu6"),
    (chips.MPU6050, 0x68, "mpu6", "lsm6"),
])
def test_only_the_answering_chips_driver_is_imported(fresh_imu, chip, address, loaded, absent):
    imu, machine = fresh_imu
    assert "lsm6" not in sys.modules and "mpu6" not in sys.modules
    machine.attach(0, chip(address))
    dev = imu.IMU(machine.I2C(0))
    assert dev.ok, dev.error
    assert loaded in sys.modules and absent not in sys.modules


def test_no_chip_imports_no_driver(fresh_imu):
    imu, machine = fresh_imu
    dev = imu.IMU(machine.I2C(0))
    assert not dev.ok and dev.error == "no IMU answers on I2C"
    assert "lsm6" not in sys.modules and "mpu6" not in sys.modules
