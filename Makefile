# riskmap: the two commands a new user needs are `make run` and `make test`.
# Both create the environment, install the Python package and the pinned npm packages, and build
# the boundary cache (idempotent: a second run only checks checksums). `make run` then ingests
# the sample articles in samples/ (again idempotent) and serves the API and maps.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup run test lint typecheck pytest chromium rust bench data clean

setup: $(VENV)/.installed $(VENV)/.core node_modules/.installed data

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

# The geoparser's compiled core (geodata/core, Rust) builds against Debian's PyO3 crate; cargo reads
# crates from Debian's directory (geodata/core/.cargo/config.toml), never from a registry.
$(VENV)/.core: $(VENV)/.installed geodata/core/Cargo.toml geodata/core/Cargo.lock geodata/core/pyproject.toml geodata/core/src/lib.rs geodata/core/riskmap_geocore.pyi | rust
	$(BIN)/python -m pip install --quiet ./geodata/core
	touch $@

rust:
	@(command -v cargo >/dev/null && ls -d /usr/share/cargo/registry/pyo3-0.17.* >/dev/null 2>&1) \
		|| (apt-get update && apt-get install -y cargo librust-pyo3-dev)

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

data: $(VENV)/.installed $(VENV)/.core node_modules/.installed
	$(BIN)/riskmap data build

run: setup
	$(BIN)/riskmap ingest samples
	$(BIN)/riskmap serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: setup chromium
	$(BIN)/pytest

# Browser tests drive Debian's chromium through Playwright; Playwright never downloads one.
chromium:
	@command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium chromium-driver)

test: setup lint typecheck pytest

bench: setup
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache geodata/core/target
