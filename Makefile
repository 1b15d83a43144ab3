# Fapiao Desk. `make run` sets up and starts the app; `make test` sets up and runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PO := locale/zh_Hans/LC_MESSAGES/django.po
MO := $(PO:.po=.mo)

# The test suite runs against the real PostgreSQL and Redis of this machine.
TEST_ENV := \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fapiao_desk} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	DATA_DIR=$(CURDIR)/var/test \
	SECRET_KEY=test-only-key-never-used-outside-the-test-suite-0123456789 \
	ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	DEBUG=false HTTPS=false

.PHONY: help run test bench lint audit messages system-run system-test services

help:
	@echo "make run    set up and start Fapiao Desk on http://127.0.0.1:$(PORT) (SQLite, demo data)"
	@echo "make test   set up and run the whole test suite (PostgreSQL, Redis)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make lint   ruff"
	@echo "make audit  check the pinned dependencies for known vulnerabilities"

run: system-run $(VENV)/.deps-run static/vendor/.installed $(MO)
	PY=$(PY) PORT=$(PORT) scripts/run-embedded

test: system-test services $(VENV)/.deps-dev static/vendor/.installed $(MO)
	scripts/audit-dependencies
	$(TEST_ENV) $(PY) manage.py collectstatic --no-input --verbosity 0
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

bench: services $(VENV)/.deps-dev static/vendor/.installed $(MO)
	@for script in bench/*.py; do echo "== $$script"; $(TEST_ENV) $(PY) $$script || exit 1; done

audit: $(VENV)/.deps-dev
	scripts/audit-dependencies

lint: $(VENV)/.deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

messages: $(VENV)/.deps-dev
	DEBUG=true $(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=var

system-run:
	@PYTHON=$(PYTHON) scripts/system-packages run

system-test:
	@PYTHON=$(PYTHON) scripts/system-packages test

services:
	@scripts/services

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.deps-run: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.deps-run

static/vendor/.installed: package.json package-lock.json scripts/vendor-assets
	scripts/vendor-assets
	touch $@

$(MO): $(PO)
	msgfmt --check-format --output-file=$@ $<
