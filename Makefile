# Movie Ranking — everyday commands. `make run` and `make test` work on a fresh machine.

# The first Python >= 3.12 found: $(PYTHON) if given, then the usual names on PATH, then pyenv's.
FIND_PYTHON = for p in python3.14 python3.13 python3.12 python3 python \
    $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if command -v $$p >/dev/null 2>&1 && \
     $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
    command -v $$p; exit 0; fi; done; exit 1
PYTHON ?= $(shell $(FIND_PYTHON))

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint lock format install bench clean

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "No Python 3.12 or newer found. Install one, or run: make PYTHON=/path/to/python3.12 ..."; exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# requirements-dev.txt is the lock: every package, direct or not, at one version, the
# runtime ones exactly as in requirements.txt.
$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

# Recompile the locks from requirements*.in, keeping every pin that still fits; a version
# change in an .in file moves only what it must. LOCK_ARGS=--upgrade moves everything.
LOCK = CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --strip-extras \
  --allow-unsafe --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock: $(STAMP)
	$(LOCK) --output-file requirements.txt requirements.in
	$(LOCK) --output-file requirements-dev.txt requirements-dev.in

run: export DEBUG ?= true
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_demo_user
	$(PY) manage.py runsite 127.0.0.1:8000

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The tests set DEBUG=true themselves (tests/environment.py), so a bare `pytest` works too.
test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but PostgreSQL, the TMDB stand-in, the browser and subprocesses: a quick check.
FAST := not postgres and not standin and not e2e and not slow
test-fast: lint
	$(PY) -m pytest -m "$(FAST)" $(PYTEST_ARGS)

bench: export DEBUG ?= true
bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
