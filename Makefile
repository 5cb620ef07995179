# One-command developer loop. Every target sets up what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

setup: $(STAMP)

## Install the system packages the project uses (wrk for benchmarks).
system-deps:
	./scripts/install-system-deps.sh

## Serve Roost on http://127.0.0.1:8000 with the embedded default.
run: $(STAMP)
	$(BIN)/roost serve

## Run the whole test suite (PostgreSQL and Redis are used when reachable).
test: $(STAMP) system-deps
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) system-deps
	$(BIN)/roost bench --quick

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
