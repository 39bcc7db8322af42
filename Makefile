# Suara: `make demo` to see it, `make test` to check it. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUARA := $(BIN)/suara
DEMO_DB ?= data/suara.duckdb
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: demo test fault-test bench bench-quick lint browser clean help
.DEFAULT_GOAL := help

help:
	@echo "make demo         install, load the demo corpus into $(DEMO_DB), classify, find its alerts, serve the dashboard"
	@echo "make test         install with the dev extra and run the test suite"
	@echo "make fault-test   only the fault probes (tests/test_faults_*.py): broken setups, bad input, privacy"
	@echo "make bench        benchmarks at 100k and 1M rows (prints a table, writes bench/results.json)"
	@echo "make bench-quick  the same at 100k rows only"
	@echo "make lint         ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip check
	@touch $@ $(VENV)/.runtime

# The demo's three apps (M-Paspor, Mobile JKN, SIGNAL) are configured in data/demo/suara.toml.
DEMO_CONFIG ?= data/demo/suara.toml
demo: $(VENV)/.runtime
	$(SUARA) init --db $(DEMO_DB) --config $(DEMO_CONFIG)
	$(SUARA) import data/demo/feedback.jsonl --db $(DEMO_DB) --config $(DEMO_CONFIG)
	$(SUARA) classify --db $(DEMO_DB) --config $(DEMO_CONFIG) --if-model
	$(SUARA) alerts --since 2023-01-01 --db $(DEMO_DB) --config $(DEMO_CONFIG)
	$(SUARA) dashboard --db $(DEMO_DB) --config $(DEMO_CONFIG) --host $(HOST) --port $(PORT)

# Debian's Chromium for the one end-to-end browser test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "could not install chromium: the browser test will be skipped"; \
	  else echo "chromium missing and not root: install it with 'sudo apt-get install chromium' (browser test skipped)"; fi; }

test: $(VENV)/.dev browser
	$(BIN)/python -m pytest

# The fault probes alone (they also run in `make test`): the real CLI against broken files and machines.
fault-test: $(VENV)/.dev
	$(BIN)/python -m pytest tests/test_faults_*.py

bench: $(VENV)/.dev
	$(BIN)/python -m bench --sizes 100000,1000000

bench-quick: $(VENV)/.dev
	$(BIN)/python -m bench --sizes 100000

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
