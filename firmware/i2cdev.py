# What the IMU drivers (lsm6.py, mpu6.py) share: register access on one I2C address that counts
# a failed transfer instead of raising (the main loop must go on without the IMU), and the
# choice of the nearest supported setting. Allocation-free: one preallocated byte for writes.


def nearest(options, value):
    """Index of the entry of options closest to value (the first one on a tie)."""
    best = 0
    for i in range(len(options)):
        if abs(options[i] - value) < abs(options[best] - value):
            best = i
    return best


class I2CDev:
    def __init__(self, i2c, addr):
        self.i2c = i2c
        self.addr = addr
        self.i2c_errors = 0
        self._one = bytearray(1)

    # -- bus helpers: count errors, never raise on a transfer failure ---------------------
    def _w(self, reg, val):
        self._one[0] = val
        try:
            self.i2c.writeto_mem(self.addr, reg, self._one)
            return True
        except OSError:
            self.i2c_errors += 1
            return False

    def _r(self, reg, buf):
        try:
            self.i2c.readfrom_mem_into(self.addr, reg, buf)
            return True
        except OSError:
            self.i2c_errors += 1
            return False
