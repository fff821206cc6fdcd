# Two commands on a fresh clone: `make run` and `make test`. Nothing asks on the terminal.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 8000
VENV := .venv
VPY := $(VENV)/bin/python

# A Python >= 3.12: $(PYTHON) if given, else the first suitable one on PATH or under pyenv.
ifeq ($(origin PYTHON),undefined)
# Expanded once (:=): a recursive variable would run this search at every use of $(PYTHON).
PYTHON := $(shell for p in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -r); do \
	  command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; \
	done)
endif

.PHONY: help run test lint bench setup venv migrate seed clean lock

help:
	@echo "make run    start the app (web, Celery worker and beat) on http://127.0.0.1:$(PORT)"
	@echo "make test   run the test suite and the linter"
	@echo "make bench  run the benchmarks in bench/ and print each figure beside its target"

UV_VERSION := 0.13.9
UV_COMPILE = --generate-hashes --universal --python-version 3.12 --quiet
LOCKS := requirements-run.lock requirements-dev.lock

# The venv, with uv in it: the uv on PATH makes it, else it is bootstrapped into the venv with
# the pip of $(PYTHON) (`--python`). Where no uv can be had, pip installs the same locks.
$(VPY):
	@if [ -z "$(PYTHON)" ]; then echo "error: Python >= 3.12 not found. Install it, or run e.g. 'make run PYTHON=/path/to/python3.12'." >&2; exit 1; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { echo "error: $(PYTHON) is older than 3.12 (Django 6 needs 3.12+)." >&2; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON)"
	@if command -v uv >/dev/null 2>&1; then uv venv --quiet --python $(PYTHON) $(VENV) && ln -sf "$$(command -v uv)" $(VENV)/bin/uv; \
	else $(PYTHON) -m venv --without-pip $(VENV) && \
	  { $(PYTHON) -m pip --python $(VPY) install --quiet --disable-pip-version-check --only-binary :all: "uv==$(UV_VERSION)" \
	    || { echo "uv could not be installed: pip installs the locks instead"; $(VPY) -m ensurepip --upgrade >/dev/null; }; }; fi

# Everything from a lock: every package, transitive ones too, each with its hashes.
define install_lock
	@if [ -x $(VENV)/bin/uv ]; then $(VENV)/bin/uv pip install --quiet --python $(VPY) --require-hashes -r $(1); \
	else $(VPY) -m pip install --quiet --disable-pip-version-check --require-hashes -r $(1); fi
	@touch $@
endef

# `make run`: production's packages, honcho and uv.
$(VENV)/.installed-run: requirements-run.lock | $(VPY)
	$(call install_lock,requirements-run.lock)

# `make test`, `make lint`, `make bench`: the above and the test and lint tools.
$(VENV)/.installed-dev: requirements-dev.lock | $(VPY)
	$(call install_lock,requirements-dev.lock)

venv: $(VENV)/.installed-dev

# The locks follow requirements*.txt (tests/test_requirements_lock.py checks they match): after
# changing a pin, `make lock` (needs uv and the package index).
lock: | $(VPY)
	@UV=$$(command -v uv || echo $(VENV)/bin/uv); [ -x "$$UV" ] || { echo "error: make lock needs uv (pip install uv)" >&2; exit 1; }; \
	for name in requirements requirements-run requirements-dev; do \
	  $$UV pip compile $(UV_COMPILE) --custom-compile-command "make lock" $$name.txt -o $$name.lock || exit 1; done

migrate: $(VENV)/.installed-run
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

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(VENV)/.installed-dev
	$(VPY) bench/run_all.py

clean:
	rm -rf var/ staticfiles/ .pytest_cache .ruff_cache
