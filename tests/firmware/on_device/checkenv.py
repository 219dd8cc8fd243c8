# What a firmware check needs that differs between CPython (with shims) and real MicroPython.
# Kept tiny and MicroPython-safe: no pathlib, no os.path.
import gc
import json
import os
import sys

MICROPYTHON = sys.implementation.name == "micropython"

if MICROPYTHON:
    VECTORS = "/vectors"  # tests/test_on_device.py copies tests/vectors/*.bin|json there
else:
    _here = __file__.replace("\\", "/").rsplit("/", 1)[0]  # tests/firmware/on_device
    VECTORS = _here.rsplit("/", 2)[0] + "/vectors"


_made = [0]


def tmpdir(tag):
    """A new empty folder on whatever filesystem this interpreter has (tempfile on CPython;
    /tmp/<tag>_<n> on MicroPython, which has no tempfile)."""
    _made[0] += 1
    try:
        import tempfile

        return tempfile.mkdtemp()
    except ImportError:
        try:
            os.mkdir("/tmp")
        except OSError:
            pass
        base = "/tmp/%s_%d" % (tag, _made[0])
        os.mkdir(base)
        return base


def vector_names(kind=None):
    """Sorted names (no extension) of the golden vectors, optionally only one kind."""
    names = sorted(f[:-5] for f in os.listdir(VECTORS) if f.endswith(".json"))
    if kind is None:
        return names
    return [n for n in names if load_meta(n)["kind"] == kind]


def load_meta(name):
    with open(VECTORS + "/" + name + ".json") as f:
        return json.load(f)


def load_bin(name):
    with open(VECTORS + "/" + name + ".bin", "rb") as f:
        return f.read()


def alloc_per_call(fn, calls=16):
    """Heap bytes allocated per call of fn() after one warm-up call, on MicroPython;
    None on CPython (no such measure). fn takes no arguments: bind them in a closure
    created before the measurement."""
    if not MICROPYTHON:
        return None
    fn()
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        for _ in range(calls):
            fn()
        after = gc.mem_alloc()
    finally:
        gc.enable()
    return (after - before) / calls


def run_checks(module_name):
    """Run every check_* function of a module, print PASS/FAIL lines with tracebacks;
    returns the number of failures. (The MicroPython side of tests/firmware/test_on_device.)"""
    mod = __import__(module_name)
    failed = 0
    for name in sorted(dir(mod)):
        fn = getattr(mod, name)
        if not name.startswith("check_") or not callable(fn):
            continue
        try:
            fn()
            print("PASS", name)
        except Exception as e:  # report every failing check, not only the first
            failed += 1
            print("FAIL", name)
            if MICROPYTHON:
                sys.print_exception(e)  # type: ignore[attr-defined]
            else:
                import traceback

                traceback.print_exc()
    return failed
