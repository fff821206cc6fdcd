# Two commands on a fresh clone: `make run` and `make test`. Nothing asks on the terminal.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
VPY := $(VENV)/bin/python

# A Python >= 3.12: $(PYTHON) if given, else the first suitable one on PATH or under pyenv.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -r); do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done)

.PHONY: help run test lint bench setup venv migrate seed clean lock

help:
	@echo "make run    start the app (web, Celery worker and beat) on http://127.0.0.1:$(PORT)"
	@echo "make test   run the test suite and the linter"
	@echo "make bench  run the benchmarks in bench/ and print each figure beside its target"

UV_VERSION := 0.13.9
UV_COMPILE = --generate-hashes --universal --python-version 3.12 --quiet

# The venv, with uv in it: the uv on PATH makes it (fast), else pip bootstraps uv into it. Where
# no uv can be had, pip installs from the same lock (slower, same hashes).
$(VPY):
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 not found. Install it, or run e.g. 'make run PYTHON=/path/to/python3.12'." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { echo "error: $(PYTHON) is older than 3.12 (Django 6 needs 3.12+)." >&2; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON)"
	@if command -v uv >/dev/null 2>&1; then uv venv --quiet --seed --python $(PYTHON) $(VENV); else $(PYTHON) -m venv $(VENV); fi
	@[ -x $(VENV)/bin/uv ] || $(VPY) -m pip install --quiet --disable-pip-version-check --only-binary :all: "uv==$(UV_VERSION)" \
	  || echo "uv could not be installed: installing with pip instead"

# Everything installed from the lock (every package, transitive ones too, with hashes).
$(VENV)/.installed-dev: requirements-dev.lock | $(VPY)
	@if [ -x $(VENV)/bin/uv ]; then $(VENV)/bin/uv pip install --quiet --python $(VPY) --require-hashes -r requirements-dev.lock; \
	else $(VPY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock; fi
	@touch $@

# The locks follow requirements*.txt (tests/test_requirements_lock.py checks they match): after
# changing a pin, `make lock` (needs uv and the package index).
lock: | $(VPY)
	@UV=$$(command -v uv || echo $(VENV)/bin/uv); [ -x "$$UV" ] || { echo "error: make lock needs uv (pip install uv)" >&2; exit 1; }; \
	$$UV pip compile $(UV_COMPILE) requirements.txt -o requirements.lock && \
	$$UV pip compile $(UV_COMPILE) requirements-dev.txt -o requirements-dev.lock

venv: $(VENV)/.installed-dev

migrate: venv
	$(VPY) manage.py migrate --no-input -v 0

seed: migrate
	@$(VPY) manage.py seed_defaults
	@$(VPY) manage.py seed_demo

setup: seed

# Development mode for what `make run` starts and prepares (the settings default to DEBUG off).
run setup seed migrate: export DEBUG ?= true

run: setup
	@$(VPY) manage.py collectstatic --no-input -v 0
	@echo ""
	@echo "  The spa is starting at http://127.0.0.1:$(PORT)  (Ctrl-C stops web, worker and beat)"
	@echo ""
	PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venv
	$(VPY) bench/run_all.py

clean:
	rm -rf var/ staticfiles/ .pytest_cache .ruff_cache
