"""tests/mpy/runner.mjs: output, MicroPython tracebacks, exit status, timeout, decorator blanking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.mpy


def test_runner_passes_output_and_exit_zero(mpy: Any) -> None:
    res = mpy.run_code("import frametools, sys\nprint(frametools.VERSION, sys.implementation.name)")
    assert res.returncode == 0, res.report()
    assert res.stdout == "1 micropython\n"


def test_uncaught_exception_gives_exit_one_and_traceback(mpy: Any, tmp_path: Path) -> None:
    mod = tmp_path / "boom.py"
    mod.write_text("import frames\n\ndef go():\n    frames.parse_header(b'\\x01')\n")
    res = mpy.run_code("import boom\nboom.go()", [("/boom.py", mod)])
    assert res.returncode == 1
    assert 'File "boom.py", line 4, in go' in res.stderr
    assert "FrameError: frame shorter than its 10-byte header" in res.stderr


def test_native_decorators_are_blanked_keeping_line_numbers(mpy: Any, tmp_path: Path) -> None:
    mod = tmp_path / "fast.py"
    mod.write_text(
        "import micropython\n@micropython.native\ndef f(x):\n    return x + 1\n"
        "@micropython.viper\ndef g():\n    raise ValueError('line 7')\n"
    )
    res = mpy.run([("/lib/fast.py", mod)], code="import fast\nprint(fast.f(1))\nfast.g()")
    assert res.stdout == "2\n"
    assert 'File "/lib/fast.py", line 7, in g' in res.stderr


def test_busy_loop_is_stopped_by_the_timeout(mpy: Any) -> None:
    res = mpy.run(code="while True:\n    pass\n", timeout_s=1)
    assert res.returncode == 2
    assert "timed out" in res.stderr


def test_check_fixture_fails_with_the_traceback(mpy: Any) -> None:
    with pytest.raises(pytest.fail.Exception, match="ZeroDivisionError"):
        mpy.run(code="1/0").check()
