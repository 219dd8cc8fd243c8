# ruff: noqa: UP031
# Checks for firmware/control.py: what the INFO frame says about the hardware.
import control
import imu
import machine
import simchips


class _HW:
    def __init__(self, chip):
        machine.reset_state()
        machine.attach(0, chip)
        self.imu = imu.IMU(machine.I2C(0))
        self.imu.configure(104, 8, 1000)
        self.pwm = None
        self.adc = None
        self.board_id = 0


class _Dev(control.Control):
    def __init__(self, chip):
        self.hw = _HW(chip)
        self._fusion_on = True
        self.fw_version = (0, 1, 0)
        self.device_id = bytes(6)
        self.name = "kyphos-test"


def check_info_flags_warn_of_a_clone_imu():
    for cls, clone in ((simchips.MPU6050, False), (simchips.MPU6050Clone, True),
                       (simchips.MPU6500, False), (simchips.MPU9250, True),
                       (simchips.LSM6DSOX, False)):
        addr = 0x6A if cls is simchips.LSM6DSOX else 0x68
        info = _Dev(cls(addr)).info_dict()
        assert bool(info["flags"] & 8) is clone, (cls.NAME, info["flags"])
        assert info["flags"] & 1  # fusion, unchanged
