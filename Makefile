# One-command developer loop. Every target sets up what it needs itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package of the dev, bench and runtime dependency trees, pinned with
# hashes; `make lock` writes it again from pyproject.toml.
LOCK := requirements.lock
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2

.PHONY: run test test-fast lint lock bench setup system-deps runtime-deps clean

# `pip check` fails when pyproject.toml asks for something the lock does not
# hold (a dependency added without `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $(STAMP)

setup: $(STAMP)

## Pin the dependency tree again after changing pyproject.toml's lists.
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet $(PIP_TOOLS)
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet \
		--extra dev --extra bench --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

## Install the system packages the project uses (ffmpeg for video
## processing, wrk for benchmarks).
system-deps:
	./scripts/install-system-deps.sh

## Only what the server needs at run time (ffmpeg).
runtime-deps:
	./scripts/install-system-deps.sh runtime

## Serve Roost on http://127.0.0.1:8000 with the embedded default (its
## workers run ffmpeg for videos, so that is installed first).
run: $(STAMP) runtime-deps
	$(BIN)/roost serve

## The CI run: lint, types and every test with coverage (PostgreSQL and
## Redis are used when reachable, and must be under CI=true).
test: $(STAMP) system-deps
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n auto --cov --cov-report=term --durations=25

## The inner loop: SQLite-only unit and API tests, no server processes,
## stopping at the first failure.
test-fast: $(STAMP)
	$(BIN)/pytest -x -q -m "not postgres and not redis and not e2e"

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) system-deps
	$(BIN)/roost bench --quick

clean:
	rm -rf $(VENV) $(LOCK_VENV) data .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.*
