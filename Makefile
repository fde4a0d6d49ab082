# recoveryd: `make demo` runs the daemon on the sample data, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck pytest mosquitto chromium compose bench fuzz clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "recoveryd needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.run-installed

demo: $(VENV)/.run-installed
	$(BIN)/recoveryd demo

# The integration tests start their own mosquitto on 127.0.0.1; install it when missing.
mosquitto:
	@command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || { \
		echo "installing mosquitto"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends mosquitto >/dev/null; }

# The web panel's test drives Debian's Chromium, headless, with Playwright (no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

# Real NN series from the MIT-BIH Normal Sinus Rhythm database, as the pyhrv wheel ships them;
# only the wheel's data files are read (pyhrv itself is not installed).
TEST_DATA := .cache/test-data
$(TEST_DATA)/.done:
	$(BIN)/pip download --quiet --no-deps --dest $(TEST_DATA) pyhrv==0.5.0
	@touch $@

# A real Home Assistant core for the integration tests, in its own virtual environment:
# 2024.3.3 is the newest that runs on Python 3.11; it needs josepy<2 and numpy 1.26.0.
HA_VENV := .cache/ha-venv
$(HA_VENV)/.done:
	$(PYTHON) -m venv $(HA_VENV)
	$(HA_VENV)/bin/pip install --quiet "homeassistant==2024.3.3" "josepy<2" "numpy==1.26.0"
	@touch $@

pytest: $(VENV)/.dev-installed mosquitto chromium $(TEST_DATA)/.done $(HA_VENV)/.done
	$(BIN)/pytest

# The compose stack, validated offline by docker-compose 1.29 from the OS (no Docker engine
# needed), in a scratch copy that has the secrets file a household creates from the example.
compose:
	@command -v docker-compose >/dev/null 2>&1 || { \
		echo "installing docker-compose"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; }
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
		cp -r docker-compose.yml Dockerfile config "$$scratch"/ && \
		cp config/compose/secrets.env.example "$$scratch"/config/compose/secrets.env && \
		docker-compose --project-directory "$$scratch" -f "$$scratch"/docker-compose.yml config -q && \
		echo "docker-compose.yml: valid"

test: lint typecheck compose pytest

# Every entry point of outside data with 10,000 hypothesis cases each (`make test` runs the
# same tests with hypothesis' default 100).
fuzz: $(VENV)/.dev-installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests -m fuzz -q -p no:cacheprovider

# The HRV libraries recoveryd is measured against, in an environment of their own (never the
# project's dependencies). nolds is held at 0.5.2: hrv-analysis 1.0.6 asks for 0.6.3, whose
# import fails on Python 3.11 ('nolds.datasets' is not a package), and only uses what 0.5.2 has.
PEERS := .cache/bench-peers
$(PEERS)/.done:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q neurokit2==0.3.0 systole==0.3.1 hrv-analysis==1.0.6
	$(PEERS)/bin/pip install -q --no-deps nolds==0.5.2
	touch $@

# Ratios against references measured in the same run; figures go into README.md.
bench: $(VENV)/.dev-installed $(TEST_DATA)/.done mosquitto $(PEERS)/.done
	$(BIN)/python -m benchmarks.bench_hrv
	$(BIN)/python -m benchmarks.bench_hrv_peers
	$(BIN)/python -m benchmarks.bench_hrv_quality
	$(BIN)/python -m benchmarks.bench_replay
	$(BIN)/python -m benchmarks.bench_club
	$(BIN)/python -m benchmarks.bench_cli
	$(BIN)/python -m benchmarks.bench_response
	$(BIN)/python -m benchmarks.bench_latency
	$(BIN)/python -m benchmarks.bench_footprint
	$(BIN)/python -m benchmarks.bench_ingest
	$(BIN)/python -m benchmarks.bench_burst

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
