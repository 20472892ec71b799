# Régie: the two commands are `make demo` and `make test`; both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint ui lock clean

demo: $(INSTALLED)  ## Generate the demo region, serve it on loopback, run the pipeline
	$(BIN)/regie demo

test: lint  ## Lint and type-check, then run the whole test suite
	$(BIN)/pytest

lint: $(INSTALLED)  ## ruff (lint, import order) and mypy on the whole tree
	$(BIN)/ruff check .
	$(BIN)/mypy

ui: $(INSTALLED)  ## Open the Dagster UI (http://127.0.0.1:3000)
	$(BIN)/regie ui

$(INSTALLED): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

lock:  ## Re-resolve the lock files after changing pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) data .pytest_cache
