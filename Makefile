# Developer entry points; CI runs `make test` through .ci/run.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall when pyproject.toml changes or a top-level package appears: the
# editable install only maps the packages that existed when it ran.
STAMP := $(VENV)/.installed
# `make run` needs only what serving needs; the development extras (linters, test
# clients, Confluent's client) are installed by the targets that use them.
RUN_STAMP := $(VENV)/.installed-run
PACKAGES := app graph rest resolvers registry storage subscriptions
SERVICES_ENV := .services/env
PYTEST_ARGS ?=

.PHONY: help install install-run run services services-stop services-status browser promtool lint test bench clean distclean

help:
	@echo "make install   venv ($(VENV)) + dev extras"
	@echo "make run       install what serving needs, serve on 127.0.0.1:8000 (SQLite + memory:// unless REGISTRY_* say otherwise)"
	@echo "make services  local PostgreSQL + Redis (scripts/services.sh start; stop: make services-stop)"
	@echo "make browser   Debian's Chromium for the GraphiQL browser test (scripts/browser.sh)"
	@echo "make promtool  Debian's promtool for the alert-rule tests (scripts/promtool.sh)"
	@echo "make lint      ruff format --check, ruff check, mypy"
	@echo "make test      install + services + browser + promtool + lint + pytest (unit, integration, e2e)"
	@echo "make bench     load/ benchmarks against the local services"
	@echo "make clean     remove venv and caches (distclean also stops services, removes .services/)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml $(wildcard $(addsuffix /__init__.py,$(PACKAGES))) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The Python client (client/, its own distribution) is installed beside the registry: its
# tests, the gateway example and load/bench_client_latency.py import it.
$(STAMP): $(RUN_STAMP) client/pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]' -e client
	touch $@

install: $(STAMP)

install-run: $(RUN_STAMP)

run: install-run
	$(BIN)/llm-schema-registry serve

services:
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

services-status:
	scripts/services.sh status

browser:
	scripts/browser.sh

promtool:
	scripts/promtool.sh

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# The fixtures fail (never skip) when PostgreSQL, Redis, Chromium or promtool is missing,
# and a run with any skipped test fails (tests/conftest.py).
test: install services browser promtool lint
	. ./$(SERVICES_ENV) && \
		$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

bench: install services
	. ./$(SERVICES_ENV) && \
		$(BIN)/python -m load.bench_reads && \
		$(BIN)/python -m load.bench_storage && \
		$(BIN)/python -m load.bench_fanout

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -path ./.services -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	-scripts/services.sh stop
	# PostgreSQL's data may live outside the checkout (scripts/services.sh says when).
	-if [ -f .services/pg-location ]; then rm -rf "$$(dirname "$$(cat .services/pg-location)")"; fi
	rm -rf .services
