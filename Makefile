# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format setup assets catalogues messages clean bench bench-large

run: $(VENV)/.runtime assets catalogues
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Starting the app on http://$(HOST):$(PORT)/ (sign in as rep / demo)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Lint, migrations check, then the whole suite on SQLite and again on PostgreSQL.
test: $(VENV)/.dev assets catalogues
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run
	TESTING=1 $(BIN)/python -m pytest
	TESTING=1 TEST_DATABASE=postgres $(BIN)/python -m pytest

# Scale benchmarks (bench/RESULTS.md): a few minutes at 20 reps x 1 year on a throwaway
# PostgreSQL and on SQLite; bench-large: the standard 250 reps x 3 years on PostgreSQL (SQLite stays at 20 x 1).
bench: $(VENV)/.dev assets
	$(BIN)/python bench/run.py --scale small

bench-large: $(VENV)/.dev assets
	$(BIN)/python bench/run.py --scale standard

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

setup: $(VENV)/.dev assets catalogues

assets: node_modules/.installed

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The translations (locale/<language>/LC_MESSAGES/django.po) compiled by Babel, a Python library, so
# neither a run nor the tests need GNU gettext; the compiled .mo files are not kept in git.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
catalogues: $(PO_FILES:.po=.mo)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.runtime
	$(BIN)/pybabel -q compile -i $< -o $@

# After changing user-facing text: gather every message into the catalogues (this one needs GNU
# gettext's xgettext), then translate what is new; tests/test_translations.py says what is missing.
messages: $(VENV)/.dev
	$(BIN)/python manage.py makemessages --all --add-location=file --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench

# Bootstrap, htmx, Chart.js and SortableJS at the versions pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules staticfiles
