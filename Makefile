# Quick start: `make run` serves the bundled library, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install ingest serve sample-library clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/kb db upgrade
	$(BIN)/kb setup
	$(BIN)/kb ingest
	$(BIN)/kb serve

ingest: install
	$(BIN)/kb ingest

serve: install
	$(BIN)/kb serve

test: install
	$(BIN)/python scripts/ensure_browser.py
	$(BIN)/python -m pytest -q

sample-library: install
	$(BIN)/python -m pip install --quiet -e '.[test,sample]'
	$(BIN)/python scripts/make_sample_library.py --out library

clean:
	rm -rf data .pytest_cache
