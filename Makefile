# Two commands matter: `make demo` (the main job on the virtual board) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MPY_NODE := tests/mpy/node_modules/@micropython/micropython-webassembly-pyscript/package.json

.PHONY: setup system-deps micropython demo test lint typecheck fitcheck bench clean

setup: $(VENV)/.installed $(MPY_NODE)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(MPY_NODE): tests/mpy/package.json
	cd tests/mpy && npm install --no-audit --no-fund --no-package-lock --silent
	touch $@

demo: setup
	$(VENV)/bin/kyphos demo --force  # replaces the previous demo's out/demo/

lint: setup
	$(VENV)/bin/ruff check .

typecheck: setup
	$(VENV)/bin/mypy host
	$(PY) tests/firmware/typecheck.py

system-deps:
	bash tools/system-deps.sh

# The MicroPython 1.28 unix port with NimBLE (double + float32), cached in build/micropython/.
micropython: setup
	$(PY) -m kyphos.sim.upy.build

test: lint typecheck system-deps micropython
	$(VENV)/bin/pytest -n 2 -q --durations=15

# Every shipped threshold is the value its committed fit gives (docs/scoring.md); ~6 min.
fitcheck: setup
	$(PY) bench/fit_thresholds.py --fit-all --check
	$(PY) bench/fit_thresholds.py --family sim --seeds 100-139 --floor 0-29 --check

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) tests/mpy/node_modules build
