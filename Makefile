# Two commands for a newcomer: `make run` and `make test`.  See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WATCHER_PORT ?= 8081
PYTEST_ARGS ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-sqlite test-postgres deps dev-deps system-deps migrate demo bench lint fmt clean contract \
	i18n-extract i18n-update i18n-compile i18n-init

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.deps: requirements.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.deps

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

## system-deps: Debian's chromium (browser tests) and fonts (PDFs: Latin/Cyrillic/Greek, CJK,
## Arabic and other scripts, colour emoji); installed once, as root.
SYSTEM_PACKAGES = chromium fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi dejavu \
	  || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! fc-list 2>/dev/null | grep -qi "Noto Color Emoji" \
	  || ! fc-list 2>/dev/null | grep -qi "Noto Naskh Arabic"; then \
	  echo "Installing Debian packages: $(SYSTEM_PACKAGES)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

## Translations (CONTRIBUTING.md, "Translations"): extract the messages from the sources into the
## template, merge it into each language's catalog, translate, compile.  The .mo files are built
## here from the committed .po files (never committed); `run` and the tests depend on them.
BABEL := $(VENV)/bin/pybabel
CATALOGS := portal/translations
PO_FILES := $(wildcard $(CATALOGS)/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

i18n-extract: deps
	$(PY) -m portal.i18n_catalogs extract

i18n-update: deps
	$(BABEL) update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-wrap --ignore-obsolete --no-fuzzy-matching

## i18n-init LANG=xx: start a new language's catalog (add it to portal/i18n.py LANGUAGES too).
i18n-init: deps
	$(BABEL) init -i $(CATALOGS)/messages.pot -d $(CATALOGS) -l $(LANG) --no-wrap

$(CATALOGS)/%/LC_MESSAGES/messages.mo: $(CATALOGS)/%/LC_MESSAGES/messages.po | $(VENV)/.deps
	$(BABEL) compile -i $< -o $@

i18n-compile: $(MO_FILES)

migrate: deps i18n-compile
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

## run: install, migrate, load demo data, start the Watcher-compatible server and the portal.
run: deps i18n-compile
	@bash scripts/run.sh

## lint: ruff (lint and format check) and mypy (strict on portal/billing and portal/watcher); see pyproject.toml.
lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## fmt: let ruff sort imports and format the code.
fmt: dev-deps
	$(VENV)/bin/ruff check --select I --fix .
	$(VENV)/bin/ruff format .

## test: lint, then the whole suite on SQLite, then again on PostgreSQL.
test: lint system-deps i18n-compile
	@bash scripts/test.sh $(PYTEST_ARGS)

test-sqlite: dev-deps i18n-compile
	TEST_DATABASE=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: dev-deps i18n-compile
	TEST_DATABASE=postgres $(PY) -m pytest $(PYTEST_ARGS)

## contract: check a real Watcher before go-live (creates, reads back and deletes only its own
## uniquely prefixed objects):  make contract WATCHER_URL=https://... WATCHER_LOGIN=... WATCHER_PASSWORD=...
contract: deps
	@test -n "$(WATCHER_URL)" -a -n "$(WATCHER_LOGIN)" -a -n "$(WATCHER_PASSWORD)" || \
	  { echo "usage: make contract WATCHER_URL=... WATCHER_LOGIN=... WATCHER_PASSWORD=..."; exit 2; }
	@WATCHER_URL="$(WATCHER_URL)" WATCHER_LOGIN="$(WATCHER_LOGIN)" WATCHER_PASSWORD="$(WATCHER_PASSWORD)" \
	  $(PY) -m portal.watcher.contract

## bench: every scale item against its floor at 10k and 100k (PostgreSQL), one table; `make bench N=1000000`
## for other sizes (comma-separated), `BENCH_1M=1 make bench` to add 1M.  See README "Performance".
bench: dev-deps
	$(PY) -m bench $(if $(N),--n $(N),)

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
