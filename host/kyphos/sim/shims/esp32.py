"""CPython stand-in for MicroPython's ``esp32`` module: the light-sleep wake sources.

``wake_on_ext0(pin, level)``, ``wake_on_ext1(pins, level)`` (ESP32, ESP32-S3) and
``wake_on_gpio(pins, level)`` (ESP32-C3, which has no ext0/ext1) record which pins wake the
chip; ``machine.lightsleep()`` (the machine shim) ends when one of them is at its wake level.
Which functions exist follows the chip set with ``set_chip`` (shim only; default
``"esp32s3"``, the virtual board's pin map), so firmware that checks ``hasattr(esp32, ...)``
takes the branch the real chip would. Pins are ``machine.Pin`` objects or None (disarm).

Imports on MicroPython too (the on-device checks copy the shims there).
"""

WAKEUP_ALL_LOW = False
WAKEUP_ANY_HIGH = True

_wake: "dict[str, tuple[tuple[int, ...], bool]]" = {}  # kind -> (pin ids, level)
_chip = ["esp32s3"]


def _ids(pins):
    out = []
    for p in pins:
        out.append(p.id if hasattr(p, "id") else int(p))
    return tuple(out)


def _ext0(pin, level):
    """esp32.wake_on_ext0(pin, level): wake when `pin` is at `level` (0/1)."""
    if pin is None:
        _wake.pop("ext0", None)
    else:
        _wake["ext0"] = (_ids((pin,)), bool(level))


def _ext1(pins, level):
    """esp32.wake_on_ext1(pins, level): WAKEUP_ANY_HIGH or WAKEUP_ALL_LOW over `pins`."""
    if not pins:
        _wake.pop("ext1", None)
    else:
        _wake["ext1"] = (_ids(pins), bool(level))


def _gpio(pins, level):
    """esp32.wake_on_gpio(pins, level) (ESP32-C3): one level for every pin; any pin at it
    wakes the chip."""
    if not pins:
        _wake.pop("gpio", None)
    else:
        _wake["gpio"] = (_ids(pins), bool(level))


_FUNCS = {"esp32": ("wake_on_ext0", "wake_on_ext1"),
          "esp32s3": ("wake_on_ext0", "wake_on_ext1"),
          "esp32c3": ("wake_on_gpio",)}
_IMPL = {"wake_on_ext0": _ext0, "wake_on_ext1": _ext1, "wake_on_gpio": _gpio}


def set_chip(name):
    """Model the esp32 module of `name` ("esp32", "esp32s3", "esp32c3"); forgets armed
    wake sources (shim only)."""
    if name not in _FUNCS:
        raise ValueError("unknown chip " + repr(name))
    _chip[0] = name
    g = globals()
    for fname, fn in _IMPL.items():
        if fname in _FUNCS[name]:
            g[fname] = fn
        else:
            g.pop(fname, None)
    _wake.clear()


def chip():
    """The modelled chip (shim only)."""
    return _chip[0]


def wake_sources():
    """{kind: (pin ids, level)} armed now (shim only)."""
    return dict(_wake)


def awake(level_of):
    """True if an armed wake source is at its wake level; `level_of(pin_id)` reads a pin
    (shim only: machine.lightsleep asks this)."""
    for kind, (ids, level) in _wake.items():
        if kind == "ext1" and not level:  # WAKEUP_ALL_LOW: every pin low
            hit = True
            for i in ids:
                if level_of(i):
                    hit = False
            if hit:
                return True
            continue
        for i in ids:
            if bool(level_of(i)) == level:
                return True
    return False


def reset_state():
    """Back to the default chip with nothing armed (shim only)."""
    set_chip("esp32s3")


set_chip("esp32s3")
