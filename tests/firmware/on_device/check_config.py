# Checks for firmware/config.py and firmware/boards.py (CPython with shims and real MicroPython).
import json
import os

import boards
import checkenv
import config


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def check_every_default_is_valid():
    d = config.defaults()
    assert sorted(d) == config.KEYS
    for k in config.KEYS:
        assert config.check(k, d[k]) is None, k


def check_missing_file_gives_defaults_without_flag():
    c = config.Config(checkenv.tmpdir("check_config") + "/config.json")
    assert c.load() is True
    assert not c.corrupt
    assert c.values == config.defaults()


def check_unknown_key_rejected_naming_the_key():
    c = config.Config(checkenv.tmpdir("check_config") + "/config.json")
    ok, code, key, msg = c.set({"slouch_dwell_s": 30, "slouch_treshold_deg": 12})
    assert not ok
    assert code == 3
    assert key == "slouch_treshold_deg"
    assert "slouch_treshold_deg" in msg
    assert c.values["slouch_dwell_s"] == config.defaults()["slouch_dwell_s"]  # nothing applied


def check_out_of_range_rejected_naming_key_and_range():
    c = config.Config(checkenv.tmpdir("check_config") + "/config.json")
    cases = (
        ("slouch_threshold_deg", 90, "3..45"),
        ("slouch_dwell_s", 1, "3..600"),
        ("odr_hz", True, "10..416"),        # a bool is not an integer here
        ("odr_hz", 104.5, "10..416"),
        ("odr_hz", "104", "10..416"),
        ("acc_fs_g", 3, "2, 4, 8, 16"),
        ("coach_mode", "buzz", '"training", "tracking"'),
        ("log_policy", 1, '"always", "disconnected", "never"'),
        ("led", 1, "true or false"),
        ("name", "x" * 30, "0..29"),
        ("name", "\u00e9" * 15, "0..29"),  # 30 UTF-8 bytes
        ("name", "bad\nname", "0..29"),
    )
    for key, value, rng in cases:
        ok, code, k, msg = c.set({key: value})
        assert not ok, (key, value)
        assert code == 4, (key, value, code)
        assert k == key
        assert msg.startswith(key + " must be"), msg
        assert rng in msg, (rng, msg)
        assert "\n" not in msg
        assert len(msg) < 200
    assert c.values == config.defaults()


def check_bad_set_arguments():
    c = config.Config(checkenv.tmpdir("check_config") + "/config.json")
    assert c.set([1, 2])[1] == 2
    assert c.set_json(b"{not json")[1] == 2
    assert c.set_json(b'{"nope": 1}')[1:3] == (3, "nope")


def check_set_saves_and_load_reads_it_back():
    d = checkenv.tmpdir("check_config")
    path = d + "/config.json"
    c = config.Config(path)
    assert c.set({"slouch_dwell_s": 30, "coach_mode": "tracking", "name": "kyphos-test"})[0]
    assert c.set_json(b'{"log_policy": "always"}')[0]
    assert "config.json.tmp" not in os.listdir(d)
    c2 = config.Config(path)
    assert c2.load() and not c2.corrupt
    assert c2.values["slouch_dwell_s"] == 30
    assert c2.values["coach_mode"] == "tracking"
    assert c2.values["name"] == "kyphos-test"
    assert c2.values["log_policy"] == "always"
    with open(path) as f:  # only what differs from the defaults is stored
        assert sorted(json.loads(f.read())) == ["coach_mode", "log_policy", "name",
                                                "slouch_dwell_s"]
    assert c2.set({"coach_mode": "training"})[0]  # back to the default: no longer stored
    with open(path) as f:
        assert "coach_mode" not in json.loads(f.read())


def check_hysteresis_must_stay_below_threshold():
    c = config.Config(checkenv.tmpdir("check_config") + "/config.json")
    ok, code, key, msg = c.set({"slouch_threshold_deg": 4, "slouch_hysteresis_deg": 5})
    assert (ok, code, key) == (False, 4, "slouch_hysteresis_deg")
    assert "slouch_threshold_deg" in msg
    ok, code, key, msg = c.set({"slouch_threshold_deg": 3})  # default hysteresis is 3
    assert (ok, code, key) == (False, 4, "slouch_threshold_deg")
    assert c.set({"slouch_threshold_deg": 4, "slouch_hysteresis_deg": 2})[0]
    path = checkenv.tmpdir("check_config") + "/config.json"
    _write(path, b'{"slouch_threshold_deg": 4, "slouch_hysteresis_deg": 6}')
    c = config.Config(path)
    assert c.load() is False and c.corrupt
    assert c.values["slouch_threshold_deg"] > c.values["slouch_hysteresis_deg"]


def check_corrupt_file_gives_defaults_and_flag():
    d = checkenv.tmpdir("check_config")
    path = d + "/config.json"
    for data in (b"\xff\xfe\x00garbage", b'{"odr_hz": 10', b"[1, 2, 3]", b"", b"null"):
        _write(path, data)
        c = config.Config(path)
        assert c.load() is False, data
        assert c.corrupt
        assert c.problem
        assert c.values == config.defaults()


def check_one_bad_value_in_file_keeps_the_good_ones():
    path = checkenv.tmpdir("check_config") + "/config.json"
    _write(path, b'{"slouch_dwell_s": 20, "odr_hz": 99999, "retired_key": 1}')
    c = config.Config(path)
    assert c.load() is False
    assert c.corrupt
    assert "odr_hz" in c.problem or "retired_key" in c.problem
    assert c.values["slouch_dwell_s"] == 20
    assert c.values["odr_hz"] == config.defaults()["odr_hz"]
    assert "retired_key" not in c.values


def check_torn_temp_file_does_not_matter():
    # A power cut during save leaves a partial .tmp beside the intact old file.
    d = checkenv.tmpdir("check_config")
    path = d + "/config.json"
    c = config.Config(path)
    assert c.set({"slouch_dwell_s": 45})[0]
    _write(path + ".tmp", b'{"slouch_dwe')
    c2 = config.Config(path)
    assert c2.load() and c2.values["slouch_dwell_s"] == 45
    assert c2.set({"snooze_s": 600})[0]  # the next save replaces the stale .tmp
    assert "config.json.tmp" not in os.listdir(d)


def check_config_get_json():
    c = config.Config(checkenv.tmpdir("check_config") + "/config.json")
    obj = json.loads(c.to_json(""))
    assert obj == config.defaults()
    assert json.loads(c.to_json("odr_hz")) == {"odr_hz": 104}
    try:
        c.to_json("nope")
        raise AssertionError("unknown key accepted")
    except KeyError:
        pass


def check_board_profiles_have_every_pin():
    for name in ("virtual", "xiao_esp32s3", "xiao_esp32c3", "esp32_devkitc"):
        p = boards.get(name)
        assert p["name"] == name
        for f in boards.FIELDS:
            assert f in p
        pins = [p[k] for k in ("sda", "scl", "imu_int", "button", "motor_pwm", "led", "batt_adc")
                if p[k] is not None]
        assert len(pins) == len(set(pins)), (name, pins)  # no pin used twice
        assert 1000 <= p["batt_divider_x1000"] <= 10000
    # XIAO ESP32-S3 I2C is D4/D5 = GPIO5/6; XIAO ESP32-C3 I2C is D4/D5 = GPIO6/7.
    s3 = boards.get("xiao_esp32s3")
    assert (s3["sda"], s3["scl"]) == (5, 6)
    c3 = boards.get("xiao_esp32c3")
    assert (c3["sda"], c3["scl"]) == (6, 7)
    dk = boards.get("esp32_devkitc")
    assert (dk["sda"], dk["scl"]) == (21, 22)
    assert boards.get("virtual")["board_id"] == 0
    try:
        boards.get("arduino_uno")
        raise AssertionError("unknown board accepted")
    except ValueError as e:
        assert "arduino_uno" in str(e)


def check_config_board_choices_match_profiles():
    choices = config.SCHEMA["board"][1]
    assert sorted([c for c in choices if c != "auto"]) == boards.names()


def check_board_detection():
    assert boards.detect("Seeed XIAO ESP32S3 with ESP32-S3") == "xiao_esp32s3"
    assert boards.detect("ESP32C3 module with ESP32C3") == "xiao_esp32c3"
    assert boards.detect("Generic ESP32 module with ESP32") == "esp32_devkitc"
    assert boards.detect("JS with Emscripten") == "virtual"
    assert boards.resolve("esp32_devkitc", "Generic ESP32S3") == "esp32_devkitc"
    assert boards.resolve("auto", "Generic ESP32S3 module") == "xiao_esp32s3"


def check_bad_file_names_the_defaulted_key_for_the_boot_event():
    # EVENT CONFIG_DEFAULTED's arg (docs/protocol.md): 1 + index in KEYS, 0 whole file, 255
    # a key the firmware does not know.
    path = checkenv.tmpdir("check_config") + "/config.json"
    cases = (
        ('{"odr_hz": 104, "name": "%s"}' % ("n" * 30), 1 + config.KEYS.index("name")),
        ('{"led": 1}', 1 + config.KEYS.index("led")),
        ('{"nope": 1}', 255),
        ("[1, 2]", 0),
        ("{", 0),
    )
    for text, code in cases:
        with open(path, "w") as f:
            f.write(text)
        c = config.Config(path)
        assert not c.load() and c.corrupt, text
        assert c.bad_key_code() == code, (text, c.bad_key, c.bad_key_code(), code)
        assert c.values == config.defaults()
    c = config.Config(path)
    with open(path, "w") as f:
        f.write('{"odr_hz": 208}')
    assert c.load() and c.bad_key_code() == 0 and not c.corrupt
