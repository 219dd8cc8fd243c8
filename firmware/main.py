# Board entry point: MicroPython runs this file after boot.py. The application is app.py;
# an exception that escapes it is saved to flash (reported by STATUS bit10 and GET_CRASH on
# the next connection) and the board restarts. Ctrl-C (mpremote) stops it and leaves a REPL.
import crashlog

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
