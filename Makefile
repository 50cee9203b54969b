# 一证通查 backend. `make run` and `make test` work on a fresh machine: they create the venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint unit integration bench setup clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

## run the whole stack on the sandbox, in the foreground (Ctrl-C stops it)
run: setup
	$(PY) -m app.stack

## lint, type-check and run every test
test: setup lint
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app adapters miniprogram_api notices sandbox bench wsgi.py gunicorn.conf.py

## the load benchmark: its own stack, about 3 minutes; writes bench/results/ (never part of make test)
bench: setup
	$(PY) -m bench

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup
	$(PY) -m pytest -q tests/integration tests/sandbox

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
