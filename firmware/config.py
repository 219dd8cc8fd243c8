# Persistent configuration: one JSON object on flash, validated against SCHEMA.
#
# API for the runtime:
#   cfg = Config("/config.json"); cfg.load()      # never raises; cfg.corrupt tells if the
#                                                  # file was unreadable and defaults were used
#   cfg.get("odr_hz") / cfg.values["odr_hz"]
#   ok, code, key, msg = cfg.set({"slouch_dwell_s": 30})   # validates all, then applies and saves
#   cfg.to_json("") / cfg.to_json("odr_hz")        # for CONFIG_GET
# The board imports this module at boot and for CONFIG_GET/SET only (lazy.py): the running
# device keeps cfg.values (a dict) and wraps it again with Config(path, values) for a command.
# Error codes are the protocol's ERR codes: 2 bad arguments, 3 unknown config key,
# 4 value out of range (docs/protocol.md, section 2). Messages name the key and its range.
#
# Saving writes a temporary file and renames it over the old one: LittleFS renames atomically,
# so a power cut leaves either the old or the new file, never a torn one.

import json
import os

from micropython import const

_KIND_INT = const(0)
_KIND_CHOICE = const(1)
_KIND_STR = const(2)
_KIND_BOOL = const(3)

ERR_BAD_ARGS = const(2)
ERR_UNKNOWN_KEY = const(3)
ERR_RANGE = const(4)

# key: (kind, lo_or_choices, hi, default), each after a comment that says what it does (a
# comment costs no heap on the board; docs/firmware.md lists the keys). Units are in the key
# names. docs/firmware.md gives the source of each coaching default.
SCHEMA = {
    # IMU output data rate; the driver picks the nearest rate the chip has
    "odr_hz": (_KIND_INT, 10, 416, 104),
    # accelerometer full scale, +-g
    "acc_fs_g": (_KIND_CHOICE, (2, 4, 8, 16), None, 8),
    # gyroscope full scale, +-deg/s
    "gyr_fs_dps": (_KIND_CHOICE, (250, 500, 1000, 2000), None, 1000),
    # run on-device orientation fusion (QUAT frames, coach)
    "fusion": (_KIND_BOOL, None, None, True),
    # flexion beyond upright that counts as slouching
    "slouch_threshold_deg": (_KIND_INT, 3, 45, 8),
    # a slouch ends below threshold minus this
    "slouch_hysteresis_deg": (_KIND_INT, 1, 10, 3),
    # slouch time before an alert (and between repeats)
    "slouch_dwell_s": (_KIND_INT, 3, 600, 60),
    # training buzzes on a slouch; tracking only records the events
    "coach_mode": (_KIND_CHOICE, ("training", "tracking"), None, "training"),
    # how long a button double press silences the coach
    "snooze_s": (_KIND_INT, 60, 14400, 1800),
    # angular rate above which the wearer is moving (no alerts)
    "moving_gyr_dps": (_KIND_INT, 5, 200, 20),
    # vibration motor PWM duty
    "haptic_strength_pct": (_KIND_INT, 20, 100, 80),
    # vibration pattern for a slouch alert
    "haptic_pattern": (_KIND_CHOICE, ("short", "double", "long", "triple"), None, "double"),
    # when to log frames to flash
    "log_policy": (_KIND_CHOICE, ("always", "disconnected", "never"), None, "disconnected"),
    # a log file is closed and a new one opened at this size
    "log_max_file_kb": (_KIND_INT, 16, 4096, 512),
    # flash kept free; logging stops (log full) below this
    "log_reserve_kb": (_KIND_INT, 16, 1024, 64),
    # the log is written in whole 4 KB blocks, a partial one at the latest after this;
    # 0 = sync every frame (wears the flash)
    "log_sync_ms": (_KIND_INT, 0, 60000, 10000),
    # light sleep after this long without motion; 0 = never
    "sleep_after_min": (_KIND_INT, 0, 240, 10),
    # battery voltage of the low-battery state
    "low_battery_mv": (_KIND_INT, 3300, 3900, 3400),
    # show state on the board LED
    "led": (_KIND_BOOL, None, None, True),
    # pin profile (firmware/boards.py); auto detects the chip
    "board": (_KIND_CHOICE, ("auto", "virtual", "xiao_esp32s3", "xiao_esp32c3", "esp32_devkitc"),
              None, "auto"),
    # BLE name, at most 29 UTF-8 bytes; empty = kyphos-XXXX from the MAC. 29: the scan
    # response is 31 bytes, 2 of them the name's length and type (blesetup.adv_payloads).
    "name": (_KIND_STR, 0, 29, ""),
}

# Keys sorted once so JSON output and error lists are stable.
KEYS = sorted(SCHEMA)


def defaults():
    """A new dict of every key's default."""
    d = {}
    for k in KEYS:
        d[k] = SCHEMA[k][3]
    return d


def describe(key):
    """'key must be ...' for an error message: the type and range of `key`."""
    kind, lo, hi, _ = SCHEMA[key]
    if kind == _KIND_INT:
        return "%s must be an integer in %d..%d" % (key, lo, hi)
    if kind == _KIND_CHOICE:
        return "%s must be one of %s" % (key, ", ".join([_show(c) for c in lo]))
    if kind == _KIND_BOOL:
        return "%s must be true or false" % key
    return "%s must be a string of %d..%d UTF-8 bytes" % (key, lo, hi)


def _show(v):
    return '"%s"' % v if isinstance(v, str) else str(v)


def check(key, value):
    """(code, message) if `value` is not valid for `key`, else None."""
    spec = SCHEMA.get(key)
    if spec is None:
        return ERR_UNKNOWN_KEY, "unknown config key %s; known: %s" % (_short(key), ", ".join(KEYS))
    kind, lo, hi = spec[0], spec[1], spec[2]
    ok = False
    if kind == _KIND_INT:
        # bool is an int subclass in Python: refuse it explicitly.
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
    elif kind == _KIND_CHOICE:
        ok = (not isinstance(value, bool)) and type(value) in (int, str) and value in lo
    elif kind == _KIND_BOOL:
        ok = isinstance(value, bool)
    elif kind == _KIND_STR:
        ok = isinstance(value, str) and lo <= len(value.encode()) <= hi and _printable(value)
    if ok:
        return None
    return ERR_RANGE, describe(key) + ", not " + _short(value)


def _printable(s):
    for ch in s:
        if ord(ch) < 32 or ch == "\x7f":
            return False
    return True


def _short(v):
    # Repr of a value for one-line messages, clipped so an ERR frame stays small.
    try:
        r = json.dumps(v)
    except Exception:
        r = "?"
    return r if len(r) <= 40 else r[:37] + "..."


class Config:
    """The device's settings, loaded from and saved to `path` (a JSON object). `values`: the
    dict to work on (the running device's, kept after this module is dropped); default: a new
    dict of the defaults."""

    def __init__(self, path="/config.json", values=None):
        self.path = path
        self.values = defaults() if values is None else values
        # True when the file existed but could not be used: unreadable JSON, not an object,
        # or a key that failed validation (that key fell back to its default).
        self.corrupt = False
        self.problem = ""
        self.bad_key = ""  # the first key that fell back to its default ("" = the whole file)

    def get(self, key):
        return self.values[key]

    def load(self):
        """Read the file. A missing file means defaults. A damaged file means defaults for the
        damaged part, `corrupt` set and a one-line `problem`; it never raises, so a bad file
        cannot put the board in a crash loop. Returns True if the file was clean."""
        self.values = defaults()
        self.corrupt = False
        self.problem = ""
        self.bad_key = ""
        try:
            with open(self.path, "rb") as f:
                text = f.read()
        except OSError:
            return True  # no file yet: defaults
        try:
            obj = json.loads(text.decode())
        except Exception:  # ValueError, or UnicodeError for bytes that are not UTF-8
            return self._bad("config file is not JSON; using defaults")
        if not isinstance(obj, dict):
            return self._bad("config file is not a JSON object; using defaults")
        for k in obj:
            err = check(k, obj[k])
            if err is None:
                self.values[k] = obj[k]
            elif not self.corrupt:
                self.bad_key = k
                self._bad("config file: " + err[1] + "; using the default")
        v = self.values
        if v["slouch_hysteresis_deg"] >= v["slouch_threshold_deg"]:
            d = defaults()
            v["slouch_hysteresis_deg"] = d["slouch_hysteresis_deg"]
            v["slouch_threshold_deg"] = d["slouch_threshold_deg"]
            if not self.corrupt:
                self.bad_key = "slouch_hysteresis_deg"
                self._bad("config file: slouch_hysteresis_deg >= slouch_threshold_deg; using the defaults")
        return not self.corrupt

    def bad_key_code(self):
        """The CONFIG_DEFAULTED event's arg: 1 + index of bad_key in KEYS, 0 for the whole
        file, 255 for a key the firmware does not know (docs/protocol.md, EVENT)."""
        if not self.bad_key:
            return 0
        try:
            return KEYS.index(self.bad_key) + 1
        except ValueError:
            return 255

    def _bad(self, msg):
        self.corrupt = True
        self.problem = msg
        return False

    def set(self, changes):
        """Validate every key of `changes` (a dict), then apply all and save; nothing is applied
        if any key is bad. Returns (True, 0, "", "") or (False, code, key, message)."""
        if not isinstance(changes, dict):
            return False, ERR_BAD_ARGS, "", "CONFIG_SET takes a JSON object"
        for k in sorted(changes):
            err = check(k, changes[k])
            if err is not None:
                return False, err[0], k, err[1]
        thr = changes.get("slouch_threshold_deg", self.values["slouch_threshold_deg"])
        hyst = changes.get("slouch_hysteresis_deg", self.values["slouch_hysteresis_deg"])
        if hyst >= thr:
            key = "slouch_hysteresis_deg" if "slouch_hysteresis_deg" in changes \
                else "slouch_threshold_deg"
            return False, ERR_RANGE, key, \
                "slouch_hysteresis_deg must be less than slouch_threshold_deg (%d >= %d)" % (hyst, thr)
        for k in changes:
            self.values[k] = changes[k]
        try:
            self.save()
        except OSError as e:
            return False, 8, "", "cannot save config: OSError %s" % (e.args[0] if e.args else "")
        return True, 0, "", ""

    def set_json(self, text):
        """CONFIG_SET with its UTF-8 JSON argument (bytes or str)."""
        try:
            obj = json.loads(text)
        except Exception:
            return False, ERR_BAD_ARGS, "", "CONFIG_SET argument is not valid JSON"
        return self.set(obj)

    def to_json(self, key=""):
        """CONFIG_GET's answer: all values, or {key: value}. Raises KeyError for an unknown key
        (the runtime answers ERR 3)."""
        if key:
            return json.dumps({key: self.values[key]})
        return "{" + ",".join([json.dumps(k) + ":" + json.dumps(self.values[k]) for k in KEYS]) + "}"

    def save(self):
        """Write the keys that differ from their defaults (so a firmware update's new defaults
        apply to everything the wearer did not set): temp file, then rename over the old one."""
        d = defaults()
        text = "{" + ",".join([json.dumps(k) + ":" + json.dumps(self.values[k])
                               for k in KEYS if self.values[k] != d[k]]) + "}"
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        try:
            os.rename(tmp, self.path)
        except OSError:
            # Some filesystems (FAT) refuse to rename over an existing file.
            try:
                os.remove(self.path)
            except OSError:
                pass
            os.rename(tmp, self.path)
