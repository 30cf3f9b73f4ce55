# The README's two commands: `make run` (the whole system) and `make test` (every test).
# Each does its own set-up on a fresh machine: Python deps via uv, Kafka and the MongoDB-protocol
# server via deploy/local/stack.py (Maven and cargo, no Docker engine needed).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.8
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(PYTHON) -m uv
endif
STACK := $(PYTHON) deploy/local/stack.py
PYTEST_ARGS ?=

.PHONY: help setup tools k8s-config config-reference run demo test lint typecheck pytest unit integration stack-up stack-down \
        stack-status stack-logs stack-reset stack-provision topics schemas faults clean bench evaluate

help:
	@echo "make run     start the stack, the system and Prometheus, feed the demo (Ctrl-C stops everything it started)"
	@echo "make demo    the same, then exit: 0 when every demo complaint came out as its policy says"
	@echo "make test    lint, type-check and run every test (starts the stack when needed)"
	@echo "make faults  the fault-injection suite: FAULTS_COMPLAINTS (10000) through SIGKILLs and restarts"
	@echo "make evaluate  the classifier's and the deadline engine's agreement with team-written evaluation sets"
	@echo "make bench   benchmark report into bench/results/ (BENCH_ARGS=--quick for a smoke run)"
	@echo "make stack-up | stack-down | stack-status | stack-logs | stack-reset | topics | schemas | k8s-config"

setup: .venv/.synced tools

# promtool checks the Prometheus rules in the tests (Debian's prometheus package).
tools:
	@command -v promtool >/dev/null || { echo "installing promtool (Debian package prometheus)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends prometheus >/dev/null; }

.venv/.synced: pyproject.toml uv.lock shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	@$(UV) --version >/dev/null 2>&1 || { echo "installing uv $(UV_VERSION) with pip"; \
	  $(PYTHON) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"; }
	$(UV) sync --frozen
	@touch $@

# Downloads Kafka and builds the MongoDB-protocol server once (minutes; no time limit), so that
# the tests' own start of the stack only starts it.
stack-provision:
	@$(STACK) provision

stack-up:
	@$(STACK) up

stack-down:
	@$(STACK) down

stack-status:
	@$(STACK) status

stack-logs:
	@$(STACK) logs kafka; $(STACK) logs mongo

stack-reset:
	@$(STACK) reset

topics: setup stack-up
	@eval "$$($(STACK) env)" && $(UV) run python deploy/local/topics.py

schemas: setup
	$(UV) run python -m complaint_events.export

k8s-config: setup
	$(UV) run python -m deploy.k8s.render_config

config-reference: setup
	$(UV) run python -m deploy.config_reference

# setup includes tools: Prometheus (Debian package) is started by run and demo.
run: setup stack-provision
	@$(UV) run python -m deploy.local.run

demo: setup stack-provision
	@$(UV) run python -m deploy.local.run --demo

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck: setup
	$(UV) run mypy --strict shared/src
	$(UV) run mypy services/runtime/src services/intake/src services/classifier/src services/notifier/src services/archive/src

pytest: setup stack-provision
	$(UV) run pytest $(PYTEST_ARGS)

unit: setup
	$(UV) run pytest -m unit $(PYTEST_ARGS)

integration: setup stack-provision
	$(UV) run pytest -m "integration or e2e" $(PYTEST_ARGS)

test: lint typecheck pytest

# Not a test: numbers for bench/results/ (see bench/README.md); py-spy only for its profile.
BENCH_ARGS ?=
bench: setup stack-provision
	$(UV) run --with py-spy python -m bench.run $(BENCH_ARGS)

# Not a test: agreement of the classifier and the deadline engine with team-written evaluation
# sets (evaluation/), per preset, with every miss listed.
evaluate: setup
	$(UV) run python -m evaluation.classifier
	$(UV) run python -m evaluation.deadlines

# Complaints through the four services on a private stack (.stack/faults, ports 29392/29393/
# 27417) while every service is SIGKILLed and the broker and the MongoDB server restarted; prints
# the counts, fails on any violation. `make test` runs it at 150 (tests/faults).
FAULTS_COMPLAINTS ?= 10000
FAULTS_ARGS ?=
faults: setup stack-provision
	$(UV) run python -m tests.faults.drill --complaints $(FAULTS_COMPLAINTS) $(FAULTS_ARGS)

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
