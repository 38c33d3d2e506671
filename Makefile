# The two commands: `make demo` and `make test`. Both set up .venv first (reused when present).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup benchmark clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/verrijk demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks training
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) data build *.egg-info
