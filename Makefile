# riskmap: the two commands a new user needs are `make run` and `make test`.
# Both create the environment, install the Python package and the pinned npm packages, build the
# geoparser's compiled core when a Rust toolchain can (else the Python reference runs), and build
# the boundary cache (idempotent: a second run only checks checksums). `make run` then ingests
# the sample articles in samples/ (again idempotent) and serves the API and maps.
# Neither needs root; only `make test`, run as root where apt-get exists (CI), installs the
# Debian packages it can use (cargo and PyO3 for the core, chromium for the browser tests).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: setup run test lint typecheck pytest pytest-reference system-packages core bench data clean

setup: $(VENV)/.runtime $(VENV)/.core node_modules/.installed data

# One stamp per dependency set: `make run` installs the runtime only, `make test` and `make bench`
# add their extras, and switching between them installs nothing twice.
$(VENV)/.runtime: pyproject.toml
	@echo "setup: Python environment in $(VENV), runtime dependencies …"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	@echo "setup: test dependencies …"
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,dask]'
	touch $@

$(VENV)/.bench: $(VENV)/.runtime
	@echo "setup: benchmark dependencies …"
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

# Only `make test` may install Debian packages, and only before the core is built.
ifneq ($(filter test pytest,$(MAKECMDGOALS)),)
SYSTEM_PACKAGES := system-packages
endif

# The geoparser's compiled core (geodata/core, Rust): built when `cargo --version` runs, else one
# line says the Python reference runs. `make core` retries after a failed build.
CORE_SOURCES := geodata/core/Cargo.toml geodata/core/Cargo.lock geodata/core/pyproject.toml \
	geodata/core/src/lib.rs geodata/core/riskmap_geocore.pyi geodata/core/build.sh
$(VENV)/.core: $(VENV)/.runtime $(CORE_SOURCES) | $(SYSTEM_PACKAGES)
	@sh geodata/core/build.sh $(BIN)/python $@

core: $(VENV)/.runtime
	@sh geodata/core/build.sh $(BIN)/python $(VENV)/.core

# Debian packages `make test` can use; installed only as root where apt-get exists (CI).
# Elsewhere nothing is installed: the compiled-core tests, the browser tests and the PostgreSQL
# backend tests (PostGIS for the server at RISKMAP_TEST_POSTGRES_URL) skip with the reason, and
# everything else runs.
system-packages:
	@missing=""; \
	cargo --version >/dev/null 2>&1 || missing="cargo"; \
	ls -d /usr/share/cargo/registry/pyo3-0.17.* >/dev/null 2>&1 || missing="$$missing librust-pyo3-dev"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -f /usr/share/postgresql/15/extension/postgis.control ] || missing="$$missing postgresql-15-postgis-3"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "test: installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "test: not installing$$missing (that needs root and apt-get); tests that need them skip"; \
	fi

node_modules/.installed: package.json package-lock.json
	@echo "setup: pinned npm packages (boundary data, Leaflet) …"
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

data: $(VENV)/.runtime $(VENV)/.core node_modules/.installed
	@echo "setup: boundary data and gazetteer (a cold build takes a few minutes) …"
	$(BIN)/riskmap data build

run: setup
	$(BIN)/riskmap ingest samples
	$(BIN)/riskmap serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.test
	$(BIN)/mypy

pytest: setup $(VENV)/.test $(SYSTEM_PACKAGES)
	$(BIN)/pytest

# The geoparser tests once more with the compiled core switched off, so the Python reference
# (what runs wherever the core is not built) stays green too.
pytest-reference: setup $(VENV)/.test
	RISKMAP_GEOPARSER=python $(BIN)/pytest -q -p no:cacheprovider tests/test_geoparse*.py tests/test_geocore.py

test: setup lint typecheck pytest pytest-reference

bench: setup $(VENV)/.bench
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache geodata/core/target \
		geodata/core/.cargo
