# Rethink Forum: `make run` serves the app, `make test` runs the whole suite.
# Both do every set-up step they need on a fresh machine, and reuse what is already there.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FRONTEND := $(shell find frontend scripts -type f 2>/dev/null)

.PHONY: run test lint format bench screenshots install install-dev assets chromium migrate clean

run: install assets migrate
	@$(FLASK) seed-demo 2>/dev/null || true
	$(BIN)/python wsgi.py

test: install-dev assets chromium
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# docs/screenshots/: the room at each stage, present mode and a phone, from a realistic forum.
screenshots: install-dev assets chromium
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/test_room_board.py tests/test_a11y_room.py -q

bench: install-dev assets
	$(BIN)/python -m bench.run

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed
assets: static/build/.built

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/build/.built: node_modules/.package-lock.json $(FRONTEND)
	npm run --silent build
	touch $@

migrate: install
	$(FLASK) db upgrade

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

clean:
	rm -rf static/build node_modules $(VENV)
