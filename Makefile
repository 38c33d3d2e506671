# The two commands: `make demo` and `make test`. Both set up .venv first (reused when present).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup system benchmark clean
# Debian packages verrijk uses at run time (image.ocr) and in its tests (browser tests; captions rendered in DejaVu)
RUNTIME_PACKAGES := tesseract-ocr tesseract-ocr-nld tesseract-ocr-fra tesseract-ocr-eng fonts-dejavu-core
TEST_PACKAGES := chromium

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Installs what is missing when it can (root with apt-get); otherwise says what to install, and goes on.
system:
	@missing=""; command -v tesseract >/dev/null 2>&1 || missing="$(RUNTIME_PACKAGES)"; \
	[ -n "$(WITH_TEST)" ] && ! command -v chromium >/dev/null 2>&1 && missing="$$missing $(TEST_PACKAGES)"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "verrijk: please install the Debian packages: $$missing (image.ocr says it is unavailable without them)"; fi; \
	fi

# `make demo PORT=8123` when 8000 is taken
demo: $(STAMP) system
	$(BIN)/verrijk demo --port $(PORT)

test: $(STAMP)
	$(MAKE) --no-print-directory system WITH_TEST=1
	$(BIN)/ruff check src tests benchmarks training
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) data build *.egg-info
