# 一证通查 backend. `make run` and `make test` work on a fresh machine: they create the venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint unit integration bench bench-profile bench-sweep setup browser-deps broker-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

## run the whole stack on the sandbox, in the foreground (Ctrl-C stops it)
run: setup
	$(PY) -m app.runtime.stack

## lint, type-check and run every test (browser and RabbitMQ tests included)
test: setup browser-deps broker-deps lint
	$(PY) -m pytest -q

## Debian's chromium and a Chinese font for the browser tests (playwright never downloads one)
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  echo "installing Debian's chromium and fonts-wqy-microhei for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-wqy-microhei >/dev/null; \
	fi

## Debian's rabbitmq-server: the RabbitMQ tests start a private node from it (tests/rabbitmq.py)
broker-deps:
	@if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then \
	  echo "installing Debian's rabbitmq-server for the RabbitMQ tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    rabbitmq-server >/dev/null; \
	fi

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app adapters miniprogram_api notices sandbox bench wsgi.py gunicorn.conf.py
	$(VENV)/bin/mypy tests

## the load benchmark: its own stack, about 3 minutes; writes bench/results/ (never part of make test)
bench: setup
	$(PY) -m bench

## gunicorn's worker class, processes and threads by measurement (docs/scaling.md), about 3 minutes
bench-sweep: setup
	$(PY) -m bench.sweep

## the same run with py-spy on the API and the workers: bench/results/profile/summary.txt
bench-profile: setup
	$(PY) -m bench --profile bench/results/profile

unit: setup
	$(PY) -m pytest -q tests/unit

integration: setup broker-deps
	$(PY) -m pytest -q tests/integration tests/sandbox

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
