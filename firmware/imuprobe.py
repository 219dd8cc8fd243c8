# Finding the IMU (imu.IMU.__init__): probe the bus for a known chip by WHO_AM_I and import only
# its driver, check the axis remap. At boot, and again only when the IMU was missing
# (app.Hardware.reprobe), so imu.py imports this module for it through lazy.py and it is
# dropped after (issue 14 item 9, docs/firmware.md "Heap").
from micropython import const

_MODEL_NONE = const(0)  # imu.MODEL_NONE
# Where each driver's chips answer and their WHO_AM_I register (lsm6.ADDRESSES/WHO_AM_I_REG,
# mpu6.ADDRESSES/WHO_AM_I_REG; tests/test_firmware_imu_lazy_drivers.py checks they agree):
# only the driver of a chip that answers is imported, so a board holds one driver's bytecode on
# its heap, not both (2.7-3.8 KB on a 32-bit port, bench/bench_upy_heap.py).
_LSM6_ADDRESSES = (0x6A, 0x6B)
_LSM6_WHO_REG = const(0x0F)
_MPU6_ADDRESSES = (0x68, 0x69)
_MPU6_WHO_REG = const(0x75)


def probe(i2c, addresses=None):
    """(driver, message): the driver for the first known chip found, or None and why not."""
    seen = []
    for addr in addresses or (_LSM6_ADDRESSES + _MPU6_ADDRESSES):
        st = addr in _LSM6_ADDRESSES
        try:
            who = i2c.readfrom_mem(addr, _LSM6_WHO_REG if st else _MPU6_WHO_REG, 1)[0]
        except OSError:
            continue
        if st:
            import lsm6

            if who in (lsm6.WHO_DSOX, lsm6.WHO_DS3TRC):
                return lsm6.LSM6(i2c, addr, who), ""
        else:
            import mpu6

            if (who in (mpu6.WHO_6050, mpu6.WHO_6500) or who in mpu6.CLONES_6050
                    or who in mpu6.CLONES_6500):
                return mpu6.MPU6(i2c, addr, who), ""
        seen.append("0x%02x: WHO_AM_I 0x%02x" % (addr, who))
    if seen:
        return None, "unknown IMU (" + ", ".join(seen) + ")"
    return None, "no IMU answers on I2C"


def init(m, i2c, remap, addresses):
    """imu.IMU.__init__ (its arguments)."""
    m._dev, m.error = probe(i2c, addresses)
    m.ok = m._dev is not None
    m.model = m._dev.model if m.ok else _MODEL_NONE
    m.name = m._dev.name if m.ok else "none"
    m.clone = m.ok and getattr(m._dev, "clone", False)  # not the genuine part
    for r in remap:
        if r not in (1, 2, 3, -1, -2, -3):
            raise ValueError("remap entries are +-1, +-2, +-3")
    if sorted([abs(r) for r in remap]) != [1, 2, 3]:
        raise ValueError("remap must use each chip axis once")
    m._ix = abs(remap[0]) - 1
    m._iy = abs(remap[1]) - 1
    m._iz = abs(remap[2]) - 1
    m._sx = remap[0] > 0
    m._sy = remap[1] > 0
    m._sz = remap[2] > 0
    m.odr_hz = 0.0
    m.acc_fs_g = 0
    m.gyr_fs_dps = 0
    m.acc_scale = 0.0
    m.gyr_scale = 0.0
    m.period_ns = 0
    m.t_first_us = 0
    m.lost = False  # samples were lost just before the last batch (IMU flags bit1)
    m._lost_pending = False  # a loss counted by a read that returned no samples
    m.clipped = False  # a value in the last batch is at the end of its range
    m._t_prev = 0
    m._t_first_read = True
