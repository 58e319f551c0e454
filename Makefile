# kpss: the two commands of the README are `make run` and `make test`.
# Both set up what they need on a fresh Debian machine with Python 3.11.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.kpss-installed

# Inputs live outside the repository; default to ../shared/data when it exists.
KPSS_DATA_DIR ?= $(shell [ -d ../shared/data ] && cd ../shared/data && pwd)
KPSS_OUTPUT_DIR ?= $(CURDIR)/outputs
export KPSS_DATA_DIR KPSS_OUTPUT_DIR

# The default run: seniors' services in Zlínský kraj, one report per ORP.
RUN_FILE ?= notebooks/params/seniori_zlinsky_kraj.yml

.PHONY: run test setup browser clean-cache bench data

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 2; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || scripts/apt-install python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kpss)" >/dev/null
	touch $(STAMP)

setup: $(STAMP)

browser:
	@command -v chromium >/dev/null || scripts/apt-install chromium chromium-driver fonts-dejavu-core

data: setup
	$(BIN)/kpss data

run: setup
	$(BIN)/kpss data >/dev/null || { $(BIN)/kpss data; exit 2; }
	$(BIN)/kpss run $(RUN_FILE)

test: setup browser
	$(BIN)/python -m pytest -q

bench: setup
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean-cache:
	rm -rf $(KPSS_OUTPUT_DIR)/.cache
