# Continuum: two commands do everything (see README.md).
#   make demo   - install, start PostgreSQL (embedded unless DATABASE_URL is set), migrate, seed,
#                 run web + worker + beat on http://127.0.0.1:8000
#   make test   - install, lint, migration check, the whole test suite (browser tests included)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
CINVAL_VENV := .venv-cin
CINVAL := $(CINVAL_VENV)/.installed
ASSETS := static/vendor/.built
# Resolves DATABASE_URL: the one you set, or an embedded server with its data under var/.
WITH_DB = DATABASE_URL="$$( [ -n "$$DATABASE_URL" ] && echo "$$DATABASE_URL" || $(BIN)/python -m config.dev.devdb url )"
# Commands that load settings outside pytest (which has its own defaults in pyproject.toml).
CHECK_ENV = SECRET_KEY="$${SECRET_KEY:-checks-only-not-a-secret}"
PYTEST_ARGS ?=

.PHONY: help install install-test assets sysdeps sysdeps-test demo test lint format migrations-check test-only bench bench-county db-stop clean

help:
	@echo "make demo | make test | make lint | make format | make bench | make bench-county | make db-stop | make clean"

$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	@touch $@

install: $(INSTALLED) $(ASSETS) sysdeps

install-test: install sysdeps-test $(CINVAL)

# The DfE's validation rules as the public csc-validator-be-cin package implements them. It pins
# pandas < 2 (no wheels past Python 3.11), so it gets an environment of its own; the census tests
# run returns/dfe_rules/cin_validate.py in it (docs/census.md).
$(CINVAL): Makefile
	@test -x $(CINVAL_VENV)/bin/python || $(PYTHON) -m venv $(CINVAL_VENV)
	$(CINVAL_VENV)/bin/python -m pip install -q --upgrade "pip>=24"
	$(CINVAL_VENV)/bin/python -m pip install -q "csc-validator-be-cin==0.1.13" "numpy>=1.26,<2"
	@touch $@

$(ASSETS): package.json package-lock.json config/dev/assets.py
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) config/dev/assets.py
	@touch $@

assets: $(ASSETS)

# Debian packages: Pango for WeasyPrint (PDFs) to run at all; for the tests also Chromium
# (browser tests) and poppler-utils (pdftotext, to read generated PDFs back).
SYSDEPS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
SYSDEPS_TEST := $(SYSDEPS) chromium poppler-utils redis-server
define apt_ensure
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages (install them as root): $$missing"; exit 1; fi; \
	fi
endef

sysdeps:
	$(call apt_ensure,$(SYSDEPS))

sysdeps-test:
	$(call apt_ensure,$(SYSDEPS_TEST))

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(WITH_DB) $(CHECK_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# pytest exits 5 when a selection collects nothing: that is not a failure of the build.
test-only: install-test
	$(WITH_DB) $(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

test: install lint migrations-check test-only

# Without DATABASE_URL, the embedded PostgreSQL with two roles: migrate runs as the tables' owner,
# the demo as a role with only INSERT and SELECT on history (docs/security.md).
# exec: the TERM make passes on to its recipe reaches demo.sh, which stops all it started.
demo: install
	@if [ -z "$$DATABASE_URL" ]; then eval "$$($(BIN)/python -m config.dev.devdb roles)"; fi; \
	DEBUG="$${DEBUG:-1}" exec bash config/dev/demo.sh

bench: install
	$(WITH_DB) $(BIN)/python -m bench

# The county at scale (issue 17, docs/benchmarks.md): seeds each scale into a database of its own,
# loads it with Locust as 50 people at work, writes var/bench/county.json. Takes about an hour at
# the full scale; BENCH_COUNTY_ARGS="--scales 0.01 --duration 60" for a quick look.
BENCH_COUNTY_ARGS ?= --scales 0.01,1.0 --users 50 --duration 180 --json var/bench/county.json
bench-county: install
	$(WITH_DB) $(BIN)/python -m bench.county $(BENCH_COUNTY_ARGS)

db-stop:
	@test -x $(BIN)/python && $(BIN)/python -m config.dev.devdb stop || true

clean: db-stop
	rm -rf $(VENV) $(CINVAL_VENV) node_modules static/vendor staticfiles var
