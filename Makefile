# Two commands do all the set-up: `make run` (demo on SQLite) and `make test` (the whole suite).
# `make test-fast` is the inner loop: the suite without the `slow` process tests and the `e2e`
# browser tests (no chromium, axe-core or nginx needed). `make test` also runs tests/deploy/, the
# production layout behind Debian's nginx on PostgreSQL (DATABASE_URL's server, else
# 127.0.0.1:5432).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.installed-run
DEV := LIFELINE_DEV_KEYS=1
PYTEST_ARGS ?=

.PHONY: run test test-fast lint check clean untranslated

# `make run` needs the app and the demo extra; tests, lint and CI need the dev extra, which holds
# the demo's too. Neither takes the `tables` extra (rigour, which compiles PyICU): see
# docs/install-size.md.
define install
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(1)]'
endef

$(RUN_STAMP): pyproject.toml
	$(call install,demo)
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	$(call install,dev)
	@touch $(STAMP) $(RUN_STAMP)

run: $(RUN_STAMP)
	@mkdir -p var
	$(DEV) $(BIN)/lifeline migrate --no-input -v 0
	$(DEV) $(BIN)/lifeline demo --if-empty
	$(DEV) $(BIN)/lifeline serve --with-worker --bind 127.0.0.1:8000

test: $(STAMP)
	@scripts/ensure-chromium
	@scripts/ensure-axe
	@scripts/ensure-nginx
	@scripts/ensure-mail-corpus
	$(DEV) LIFELINE_TESTING=1 LIFELINE_DATA_DIR=var/test $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP)
	@scripts/ensure-mail-corpus
	$(DEV) LIFELINE_TESTING=1 LIFELINE_DATA_DIR=var/test $(BIN)/python -m pytest -m "not slow and not e2e" -n 2 $(PYTEST_ARGS)

# Every public and console string without its ru or uk translation (tests/core/test_translations.py).
untranslated: $(STAMP)
	$(DEV) LIFELINE_TESTING=1 LIFELINE_DATA_DIR=var/test $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/core/test_translations.py -k "every_console_string or every_public_string"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check lifeline tests benchmarks
	$(DEV) LIFELINE_DATA_DIR=var/test $(BIN)/mypy lifeline
	$(DEV) LIFELINE_DATA_DIR=var/test $(BIN)/mypy --strict lifeline/matching
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var
