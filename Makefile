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

.PHONY: help run test lint bench setup venv migrate seed clean

help:
	@echo "make run    start the app (web, Celery worker and beat) on http://127.0.0.1:$(PORT)"
	@echo "make test   run the test suite and the linter"
	@echo "make bench  run the benchmarks in bench/ and print each figure beside its target"

$(VPY):
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 not found. Install it, or run e.g. 'make run PYTHON=/path/to/python3.12'." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { echo "error: $(PYTHON) is older than 3.12 (Django 6 needs 3.12+)." >&2; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VPY)
	$(VPY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

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
