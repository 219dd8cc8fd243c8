# ruff: noqa: UP031
# The command handler's surroundings for checks (check_commands, check_fuzz): a link that
# records what is sent, a device built from the real config, flash log and crash log, and a
# driver for coroutines (the WebAssembly MicroPython has no asyncio.run). A helper module, not
# a check file: tests/firmware/test_on_device.py copies it to MicroPython with every check.
import app
import checkenv
import config
import crashlog
import flashlog
import frametools


def _drive(coro):
    try:
        while True:
            coro.send(None)
    except StopIteration as e:
        return e.value


class _Link:
    def __init__(self, kind="ble", encrypted=False, mtu=247):
        self.link = kind
        self.encrypted = encrypted
        self.mtu = mtu
        self.streams = 0
        self.sent = []

    def trusted(self):
        return self.link == "usb" or self.encrypted

    def refusal(self):
        return "" if self.trusted() else "press the board's button, then pair"

    def mtu_ok(self):
        return self.link == "usb" or self.mtu >= 185

    def limit(self):
        return frametools.MAX_FRAME if self.link == "usb" else self.mtu - 3

    async def send(self, buf, n):
        self.sent.append(bytes(buf[:n]))
        return True


# The INFO fields of the golden ACK vector (tests/vectors/ack.json, GET_INFO).
_INFO_ACK = checkenv.load_meta("ack")["frames"][0]["fields"]["data"]


class _Dev:
    def __init__(self, root):
        self.root = root
        c = config.Config(root + "/config.json")  # as app.Device: the values dict and the path
        c.load()
        self.cfg = c.values
        self.cfg_path = c.path
        self.log = flashlog.FlashLog(root + "/logs", 64 * 1024, 0)
        self.clock = app.Clock32()
        self.crash_path = root + "/crash.txt"
        self.seq = 0
        self.imu_ok = True
        self.can_calibrate = True
        self.calls = []

    def next_ctrl_seq(self):
        self.seq += 1
        return self.seq - 1

    def info_payload(self, buf, off):
        data = bytes.fromhex(_INFO_ACK) if hasattr(bytes, "fromhex") else None
        if data is None:
            from binascii import unhexlify

            data = unhexlify(_INFO_ACK)
        buf[off:off + len(data)] = data
        return off + len(data)

    def error_text(self, code):
        return "error %d" % code

    def start(self, link, streams):
        if not self.imu_ok:
            return frametools.E_IMU
        link.streams = streams
        self.calls.append(("start", streams))
        return 0

    def stop(self, link):
        link.streams = 0
        self.calls.append(("stop",))

    def calibrate(self):
        self.calls.append(("calibrate",))
        return self.can_calibrate

    def config_changed(self, changes):
        self.calls.append(("config", sorted(changes)))

    def marker(self, mid):
        self.calls.append(("marker", mid))

    def snooze(self, seconds):
        self.calls.append(("snooze", seconds))

    def reboot_soon(self, maintenance=False):
        self.calls.append(("reboot", "maintenance") if maintenance else ("reboot",))

    def open_pairing(self):
        self.calls.append(("pair",))

    def crash_text(self):
        return crashlog.read(self.crash_path)

    def crash_reported(self):
        crashlog.mark_reported(self.crash_path)
