# The LSM6DSOX / LSM6DS3TR-C setup (lsm6.LSM6): configure (reset, rates, full scales, FIFO)
# and wake_on_motion (the wake-up interrupt for light sleep). They run at boot, after a config
# change and around sleep, not per sample, so lsm6.py imports this module for them and the
# housekeeping task drops it when unused (lazy.py; issue 14 item 9, docs/firmware.md "Heap").
# Register notes and datasheet sources are at the top of lsm6.py.
import time

import i2cdev
from micropython import const

_CTRL10_C = const(0x19)
_CTRL1_XL = const(0x10)
_CTRL2_G = const(0x11)
_CTRL3_C = const(0x12)
_DS3_FIFO_CTRL1 = const(0x06)
_DS3_FIFO_CTRL5 = const(0x0A)
_DSOX_CTRL8_XL = const(0x17)  # bits 7:5 HPCF_XL: high-pass cut-off ODR / 4, 10, 20, 45, 100..
_DSOX_CTRL9_XL = const(0x18)  # bit1 I3C_DISABLE, bits 7:5 DEN_X/Y/Z (reset value 0xE0)
_DSOX_FIFO_CTRL1 = const(0x07)
_DSOX_TAP_CFG0 = const(0x56)  # bit0 LIR, bit4 SLOPE_FDS, bit6 INT_CLR_ON_READ
_INT1_CTRL = const(0x0D)
_MD1_CFG = const(0x5E)
_TAP_CFG = const(0x58)  # TAP_CFG2 on the DSOX, TAP_CFG on the DS3TR-C; bit7 INTERRUPTS_ENABLE
_WAKE_UP_DUR = const(0x5C)
_WAKE_UP_THS = const(0x5B)

# ODR codes (CTRL1_XL / CTRL2_G bits 7:4, also the FIFO batch rates) and their rates, Hz.
ODR_HZ = (12.5, 26.0, 52.0, 104.0, 208.0, 416.0)
_ODR_CODE = (1, 2, 3, 4, 5, 6)
# Full scales: FS_XL bits 3:2 (note 16 g is code 1) and sensitivities (datasheet typical).
ACC_FS_G = (2, 4, 8, 16)
_ACC_CODE = (0, 2, 3, 1)
_ACC_MG = (0.061, 0.122, 0.244, 0.488)
GYR_FS_DPS = (250, 500, 1000, 2000)
_GYR_CODE = (0, 1, 2, 3)
_GYR_MDPS = (8.75, 17.5, 35.0, 70.0)


def configure(d, odr_hz, acc_fs_g, gyr_fs_dps, watermark_samples=8):
    """Reset the chip and start FIFO streaming; the nearest supported settings are used.
    Returns True if every register write went through."""
    io = True
    io &= d._w(_CTRL3_C, 0x01)  # SW_RESET
    time.sleep_ms(10)
    io &= d._w(_CTRL3_C, 0x44)  # BDU | IF_INC
    if d.tagged:
        io &= d._w(_DSOX_CTRL9_XL, 0xE2)  # I3C off (DEN bits at their reset value)
        io &= d._w(_DSOX_TAP_CFG0, 0x41)  # LIR | INT_CLR_ON_READ: latched events
    o = i2cdev.nearest(ODR_HZ, odr_hz)
    a = i2cdev.nearest(ACC_FS_G, acc_fs_g)
    g = i2cdev.nearest(GYR_FS_DPS, gyr_fs_dps)
    code = _ODR_CODE[o]
    d.odr_hz = ODR_HZ[o]
    d._half_us = int(500000 / d.odr_hz)  # expected age of the newest sample
    d._per16 = int(640000 / d.odr_hz + 0.5)  # period in 1/16 of the 25 us timestamp tick
    d._ts_prev = -1  # the FIFO starts afresh: no hole before its first sample
    d._since = 0
    d.acc_fs_g = ACC_FS_G[a]
    d.gyr_fs_dps = GYR_FS_DPS[g]
    d.acc_scale = _ACC_MG[a] * 1e-3 * 9.80665  # m/s^2 per LSB
    d.gyr_scale = _GYR_MDPS[g] * 1e-3 * 0.017453292519943295  # rad/s per LSB
    io &= d._w(_CTRL1_XL, code << 4 | _ACC_CODE[a] << 2)
    io &= d._w(_CTRL2_G, code << 4 | _GYR_CODE[g] << 2)
    io &= d._w(_CTRL10_C, 0x20)  # timestamp counter on
    if d.tagged:
        wtm = 3 * watermark_samples
        io &= d._w(_DSOX_FIFO_CTRL1 + 3, 0x00)  # bypass: empty the FIFO
        io &= d._w(_DSOX_FIFO_CTRL1, wtm & 0xFF)
        io &= d._w(_DSOX_FIFO_CTRL1 + 1, (wtm >> 8) & 0x01)
        io &= d._w(_DSOX_FIFO_CTRL1 + 2, code << 4 | code)  # BDR_GY | BDR_XL
        io &= d._w(_DSOX_FIFO_CTRL1 + 3, 0x46)  # DEC_TS_BATCH 1 | continuous
    else:
        wtm = 6 * watermark_samples
        io &= d._w(_WAKE_UP_DUR, 0x10)  # TIMER_HR: 25 us timestamp
        io &= d._w(_DS3_FIFO_CTRL5, 0x00)
        io &= d._w(_DS3_FIFO_CTRL1, wtm & 0xFF)
        io &= d._w(_DS3_FIFO_CTRL1 + 1, (wtm >> 8) & 0x07)
        io &= d._w(_DS3_FIFO_CTRL1 + 2, 0x09)  # gyro and acc in FIFO, no decimation
        io &= d._w(_DS3_FIFO_CTRL5, code << 3 | 0x06)  # ODR_FIFO | continuous
    io &= d._w(_INT1_CTRL, 0x08)  # FIFO watermark on INT1
    d._have_g = False
    d._ts_word = -1  # the FIFO was emptied: no timestamp word pending (lsm6.py)
    d._ts_g = -1
    d.t_newest_us = time.ticks_us()
    return io

def wake_on_motion(d, threshold_mg):
    """Route a wake-up interrupt to INT1. DS3TR-C: the slope (change between two samples)
    above threshold_mg on any axis. DSOX: the high-pass filtered acceleration (SLOPE_FDS,
    cut-off ODR/100, about 1 Hz) above threshold_mg, in steps of FS/256 (WAKE_THS_W): at
    104 Hz walking changes the acceleration by only ~20 mg from one sample to the next,
    below any slope threshold the 8 g range allows (FS/64 = 125 mg steps), while its
    high-passed swing at the upper back is larger (ST DS13050 WAKE_UP_DUR, TAP_CFG0,
    CTRL8_XL; docs/firmware.md section 9)."""
    div = 256 if d.tagged else 64
    ths = threshold_mg * div // (d.acc_fs_g * 1000)
    if ths < 1:
        ths = 1
    if ths > 63:
        ths = 63
    ok = d._w(_WAKE_UP_THS, ths)
    if d.tagged:
        ok &= d._w(_WAKE_UP_DUR, 0x10)  # WAKE_THS_W: 1 LSB = FS_XL / 2^8
        ok &= d._w(_DSOX_CTRL8_XL, 0x80)  # HPCF_XL 100: ODR / 100
        ok &= d._w(_DSOX_TAP_CFG0, 0x51)  # SLOPE_FDS (high-pass) | LIR | INT_CLR_ON_READ
    ok &= d._w(_TAP_CFG, 0x80 | (0x01 if not d.tagged else 0))  # INTERRUPTS_ENABLE
    ok &= d._w(_MD1_CFG, 0x20)  # INT1_WU
    # Only the wake-up event on INT1 while asleep: the FIFO keeps filling and its watermark
    # would hold the line high, so it could not wake the board (configure() restores it).
    ok &= d._w(_INT1_CTRL, 0x00)
    return ok
