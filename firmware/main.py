# Board entry point: MicroPython runs this file after boot.py. The application is app.py;
# an exception that escapes it is saved to flash (reported by STATUS bit10 and GET_CRASH on
# the next connection) and the board restarts. Ctrl-C (mpremote) stops it and leaves a REPL.
#
# Maintenance boot: the application is not started, so nothing arms the 8 s watchdog, which on
# the ESP32 cannot be stopped once armed, survives a soft reset and resets the chip when it
# fires (ports/esp32/machine_wdt.c; docs.micropython.org library/machine.WDT.html). mpremote and
# `kyphos deploy` / `kyphos doctor` can then take as long as they need at the REPL. Two ways in:
#   - the file MAINT_FLAG, written just before machine.reset() (`kyphos deploy` and `kyphos
#     doctor` do this; the REBOOT command with argument 1: control.Control.reboot_soon(True)).
#     It counts for one boot:
#     it is removed here, so the next reset starts the application again.
#   - the board's button held down as the board starts: pressed within _PRESS_MS of MicroPython
#     starting and held for _HOLD_MS. Press it after releasing reset, not before: the BOOT
#     button of the supported boards (GPIO0, GPIO9 on the C3) is a strapping pin, and held
#     during reset it starts the ROM download mode instead of MicroPython.
# This file runs as source (deploy never compiles it) and may meet an older app.py: it uses
# only app.run(), crashlog.save() and boards.get()/resolve().
import crashlog

MAINT_FLAG = "/.kyphos_maint"
_PRESS_MS = 500
_HOLD_MS = 1000


def _button_held():
    """True if the profile's button is pressed within _PRESS_MS and held for _HOLD_MS; returns
    at once with False when it is not down in the first _PRESS_MS."""
    import json
    import time

    import boards
    import machine

    board = "auto"
    try:
        with open("/config.json") as f:
            board = json.load(f).get("board", "auto")
    except (OSError, ValueError, AttributeError):
        pass
    prof = boards.get(boards.resolve(board))
    gpio = prof["button"]
    if gpio is None:
        return False
    low = prof["button_active_low"]
    pin = machine.Pin(gpio, machine.Pin.IN, machine.Pin.PULL_UP if low else None)
    t0 = time.ticks_ms()
    since = None
    while True:
        now = time.ticks_ms()
        v = pin.value()
        if (not v) if low else v:
            if since is None:
                since = now
            elif time.ticks_diff(now, since) >= _HOLD_MS:
                return True
        elif since is not None or time.ticks_diff(now, t0) >= _PRESS_MS:
            return False  # released early, or never pressed in time
        time.sleep_ms(10)


def maintenance_boot():
    """True if this boot is a maintenance boot (the flag file, consumed, or the button)."""
    import os

    try:
        os.remove(MAINT_FLAG)
        return True
    except OSError:
        pass
    try:
        return _button_held()
    except Exception:  # noqa: BLE001 - a bad profile or pin must not stop the application
        return False


if maintenance_boot():
    print("kyphos: maintenance boot: application and watchdog not started; "
          "machine.reset() to leave")
else:
    try:
        import app

        app.run()
    except KeyboardInterrupt:
        pass
    except Exception as e:  # noqa: BLE001 - every crash is recorded
        crashlog.save(e)
        import machine
        import time

        time.sleep_ms(2000)  # let USB print the traceback too, and avoid a tight crash loop
        machine.reset()
