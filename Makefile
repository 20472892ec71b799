# Régie: the two commands are `make demo` and `make test`; both set everything up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
RUNTIME := $(VENV)/.installed-runtime
UV := $(BIN)/uv pip install --python $(BIN)/python

.PHONY: demo test lint ui lock clean

demo: $(RUNTIME)  ## Generate the demo region, serve it on loopback, run the pipeline
	$(BIN)/regie demo

test: lint  ## Lint and type-check, then run the whole test suite
	$(BIN)/pytest

lint: $(INSTALLED)  ## ruff (lint, import order) and mypy on the whole tree
	$(BIN)/ruff check .
	$(BIN)/mypy

ui: $(RUNTIME)  ## Open the Dagster UI (http://127.0.0.1:3000); on the demo region, its feeds are served meanwhile
	$(BIN)/regie ui

# Installs from the lock files with uv (much faster than pip, with its progress shown): the
# runtime lock for demo and ui, the development lock (tests, lint) for test and lint.
$(BIN)/uv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing uv, then the locked dependencies (the first time takes a minute or so)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(RUNTIME): requirements.lock pyproject.toml | $(BIN)/uv
	$(UV) -r requirements.lock
	$(UV) --no-deps -e .
	touch $@

$(INSTALLED): requirements-dev.lock pyproject.toml | $(BIN)/uv
	$(UV) -r requirements-dev.lock
	$(UV) --no-deps -e .
	touch $@ $(RUNTIME)

lock: | $(BIN)/uv  ## Re-resolve the lock files after changing pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) data .pytest_cache
