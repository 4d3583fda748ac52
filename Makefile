# cmbench — every verb installs what it needs into .venv first.
# `make run` serves the site with demo data; `make test` runs the whole suite.

SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# The first interpreter found that is Python 3.12 or newer (pyenv's included).
FIND_PYTHON = for candidate in "$$PYTHON" python3.13 python3.12 \
	  $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 python3; do \
	  [ -n "$$candidate" ] || continue; \
	  if "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    command -v "$$candidate"; exit 0; fi; \
	done; exit 1

.PHONY: install run serve worker test lint format bench messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@python_bin="$$($(FIND_PYTHON))" || { \
	  echo "cmbench needs Python 3.12 or newer (3.12 and 3.13 are tested)."; \
	  echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12."; exit 1; }; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  rm -rf $(VENV); echo "Creating $(VENV) with $$python_bin"; "$$python_bin" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input --verbosity 0
	$(MANAGE) generate_demo_data --responses 5000 --seed 1 --if-empty
	$(MANAGE) publish_snapshot --if-none
	@echo "cmbench: http://127.0.0.1:$(PORT)/"
	$(MANAGE) runserver --noreload 127.0.0.1:$(PORT)

# The production path on one machine: `TASKS_BACKEND=django_tasks_db.DatabaseBackend make run`
# in one terminal and `make worker` in another; the admin's "publish" then only queues
# the build and this worker runs it (docs/operations.md). Plain `make run` needs no worker.
worker: install
	$(MANAGE) migrate --no-input
	TASKS_BACKEND=$${TASKS_BACKEND:-django_tasks_db.DatabaseBackend} $(MANAGE) db_worker --no-reload

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(MANAGE) makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The benchmarks' own extra (DuckDB, a baseline of bench/snapshot_build.py) first.
bench: install
	$(PY) -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(PY) bench/run_all.py $(BENCH_ARGS)

# Needs gettext (msgfmt); the compiled .mo files are committed so that a fresh
# machine does not need it.
messages: install
	$(MANAGE) makemessages --locale en --locale fr --ignore '.venv/*' --ignore 'bench/*'
	$(MANAGE) compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
