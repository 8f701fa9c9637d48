# hirestream: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TENANT ?= acme
ROLE   ?= ADMIN

.PHONY: install run stop stack status test lint unit bench token key clean browser

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

## Start Kafka, PostgreSQL and the SMTP sink (what is not configured), then one worker in the
## foreground. Ctrl-C stops the worker and what this run started; after a crash the stack
## keeps running (`make stop`).
run: install
	bash scripts/run.sh

## Stop what `make run` or the tests started.
stop: install
	$(PY) -m hirestream.stack down

stack: install
	$(PY) -m hirestream.stack up

status: install
	$(PY) -m hirestream.stack status

## The whole test suite against the real stack (started if needed), after lint and types.
test: install lint browser
	$(PY) -m pytest -q

## Debian's chromium for the candidate page's browser tests (installed when missing).
browser:
	bash scripts/install-chromium.sh

unit: install
	$(PY) -m pytest -q tests/unit

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

bench: install
	bash scripts/bench.sh

## A development JWT for TENANT with ROLE (signed with the local secret of `make run`).
token: install
	@bash scripts/dev-token.sh $(TENANT) $(ROLE)

## An API key for TENANT with every interview permission, printed once.
key: install stack
	@. .stack/env && $(PY) -m hirestream keys create --tenant $(TENANT) --permissions 'interview:*'

clean: stop
	rm -rf .stack
