# The two entry points of the README: `make serve` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup system-packages test-system-packages serve test lint

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

# Front-end assets (YASGUI, cytoscape.js) come from the npm registry, never a CDN.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# HermiT (the OWL reasoner run through owlready2) needs a Java runtime; the assets need npm;
# the query workers' sandbox needs libseccomp (through pyseccomp).
system-packages:
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)
	@command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)
	@ldconfig -p | grep -q 'libseccomp\.so\.2' || (apt-get update -qq && apt-get install -y -qq libseccomp2)

# The browser tests drive Debian's chromium through Playwright (never `playwright install`).
# The publish tests start a private Virtuoso (tests/virtuoso_support.py), never the package's
# service; noninteractive, so the package's debconf question for a dba password cannot hang.
test-system-packages:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)
	@command -v virtuoso-t >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource)

setup: system-packages $(STAMP) node_modules/.package-lock.json

serve: setup
	$(BIN)/alliance-kg serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check server tests benchmarks
	$(BIN)/alliance-kg fmt --check

# `report` lists every problem and smell (docs/extending.md, "4. Validate"); CI fails on errors.
# The suite runs a module per worker, on up to four cores (pytest-xdist): most of its time is
# builds, validation, browsers and servers that a single process would wait on one at a time.
test: setup test-system-packages lint
	$(BIN)/alliance-kg report --fail-on ERROR
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile
