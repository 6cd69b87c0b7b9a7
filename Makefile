# bplearn: one-command set-up for learners and instructors (GNU make).
#
#   make lab      set up .venv (what a learner needs), copy new learner notebooks into workspace/, open JupyterLab
#   make test     set up and run every test (library, notebooks, browser), then the notebook tests
#                 again under a second OpenBLAS kernel
#   make bench    run the benchmarks
#   make claims   judge every seed-dependent claim of the notebooks' text over seeds 0-11
#   make notebooks (instructors) run the sources, keep checked outputs, regenerate learner notebooks
#   make release  (instructors) regenerate notebooks/*.ipynb from notebooks/solutions/
#   make clean    remove .venv and caches (never workspace/)

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.bplearn-installed
LAB_STAMP := $(VENV)/.bplearn-lab-installed
WORKSPACE := workspace
LAB_ARGS  ?=             # e.g. make lab LAB_ARGS="--no-browser --port=8890"

# One BLAS thread: benchmarks/run.py measured it fastest for every network on a 2-core machine
# (two threads were up to 12x slower when the cores are shared). Kernels started by `make lab`
# inherit it. Override with e.g. `make lab OPENBLAS_NUM_THREADS=2`.
OPENBLAS_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS

.PHONY: help setup workspace lab test lint chromium claims notebooks bench release clean

help:
	@echo "make lab      set up .venv, seed $(WORKSPACE)/ with the learner notebooks, open JupyterLab"
	@echo "make workspace  only copy new learner notebooks into $(WORKSPACE)/ (never overwrites)"
	@echo "make test     set up and run every test (library, notebooks, browser)"
	@echo "make bench    run the benchmarks (benchmarks/run.py)"
	@echo "make claims   judge the notebooks' seed-dependent claims over seeds 0-11 (tools/claims.py)"
	@echo "make notebooks  instructors: run the sources, refresh outputs, regenerate learner notebooks"
	@echo "make release  instructors: rebuild notebooks/*.ipynb from notebooks/solutions/"
	@echo "make clean    remove .venv and caches (never $(WORKSPACE)/)"
	@echo "make wheel    build dist/bplearn-VERSION-py3-none-any.whl from a clean build folder"
	@echo "make hub-test start a real JupyterHub on localhost with three learners (run by make test)"

# --- set-up: a virtual environment with bplearn installed in editable mode ------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Tests and instructors: bplearn with the test extra. Re-install whenever pyproject.toml is newer.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[test]"
	@touch $@

setup: $(STAMP)

# Learners: bplearn and what the notebooks need, nothing for the tests.
$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	@touch $@

# --- the learner's workspace --------------------------------------------------------
# `bplearn workspace` copies each learner notebook that is not in workspace/ yet. It never
# overwrites: a notebook already in workspace/ is the learner's work; new course notebooks appear.
# `bplearn lab` does the same, then starts JupyterLab there (the same code as after `pip install`).

workspace: $(LAB_STAMP)
	$(BIN)/bplearn workspace $(WORKSPACE)

lab: $(LAB_STAMP)
	$(BIN)/bplearn lab $(WORKSPACE) $(LAB_ARGS)

# --- tests ------------------------------------------------------------------------------

# The browser tests drive Debian's Chromium (never `playwright install`).
chromium:
	@if [ -x /usr/bin/chromium ]; then \
	  :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Chromium for the browser tests (apt-get)"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
	  echo "note: /usr/bin/chromium is missing and cannot be installed here (needs root and apt-get);"; \
	  echo "      the browser tests need it."; \
	fi

# One pytest run: the library, exercise, widget and browser tests in tests/, and nbval over every
# source notebook (cells tagged nbval-check-output are compared; the rest must run without error).
# tests/**/fixtures/ holds notebooks made to fail (graded submissions): never collect them.
NBVAL_ARGS := --nbval-lax --nbval-current-env --nbval-cell-timeout=120 --ignore-glob='*/fixtures/*'

# Then the notebook tests once more under a second OpenBLAS kernel (tools/second_kernel.py: Prescott,
# on x86-64 with numpy on OpenBLAS; elsewhere it prints why it skips). A notebook result that holds only
# for the rounding of this machine's processor fails here instead of on a learner's machine.
NOTEBOOK_TESTS := notebooks/solutions tests/notebooks

# ruff keeps the layout (format) and catches mistakes (lint) before any test runs; its settings are
# in pyproject.toml. `$(BIN)/ruff format .` applies the layout.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup chromium lint hub
	$(BIN)/python -m pytest tests notebooks/solutions $(NBVAL_ARGS)
	$(BIN)/python tools/second_kernel.py -- $(BIN)/python -m pytest $(NOTEBOOK_TESTS) $(NBVAL_ARGS) -q -p no:cacheprovider
	$(BIN)/python tools/claims.py --seeds $(CLAIM_SEEDS)

# The claims sweep (notebooks/AUTHORING.md): every seed-dependent sentence of the notebooks, judged
# on every seed of CLAIM_SEEDS (e.g. make claims CLAIM_SEEDS=12-23). It exits 1 when a claim fails.
CLAIM_SEEDS ?= 0-11

claims: setup
	$(BIN)/python tools/claims.py --seeds $(CLAIM_SEEDS)

# Instructors: after editing a notebook in notebooks/solutions/, refresh its stored outputs and
# regenerate the learner notebooks (see notebooks/AUTHORING.md).
notebooks: setup
	$(BIN)/python tools/build_notebooks.py

# --- benchmarks and release ------------------------------------------------------------

bench: setup
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/widgets.py

release: setup
	$(BIN)/bplearn release notebooks/solutions notebooks --force

# --- the wheel: what `pip install bplearn-*.whl` installs ------------------------------------
# pip builds in this tree, and setuptools reuses build/: a notebook deleted since the last build
# would still be in the wheel. So build/ and the old wheel go first; the wheel carries the learner
# notebooks and the digits (setup.py), never notebooks/solutions/.

.PHONY: wheel
wheel: | $(BIN)/python
	rm -rf build dist/bplearn-*.whl bplearn.egg-info
	$(BIN)/python -m pip wheel --no-deps --wheel-dir dist .
	@ls dist/bplearn-*.whl

# --- JupyterHub for a class (hub/jupyterhub_config.py; notebooks/INSTRUCTORS.md) ------------------
# `make hub` installs JupyterHub (the `hub` extra) and its proxy, configurable-http-proxy from npm,
# into hub/node_modules (nothing global). `make hub-test` starts a real hub on 127.0.0.1 with three
# learners (tests/hub/); `make test` installs the same, so its pytest run includes that test.

HUB_STAMP := $(VENV)/.bplearn-hub-installed
HUB_PROXY := hub/node_modules/.bin/configurable-http-proxy
NPM       ?= npm

$(HUB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[test,hub]"
	@touch $@

$(HUB_PROXY): hub/package.json
	$(NPM) install --prefix hub --no-audit --no-fund
	@touch $@

.PHONY: hub hub-test
hub: $(STAMP) $(HUB_STAMP) $(HUB_PROXY)

hub-test: hub
	$(BIN)/python -m pytest tests/hub -p no:cacheprovider

# --- clean: everything generated, but never the learner's workspace/ --------------------

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist test-artifacts *.egg-info
	find . -path ./$(WORKSPACE) -prune -o -path ./.git -prune -o \
	  \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 rm -rf
