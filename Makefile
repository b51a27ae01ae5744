# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi

.PHONY: run test e2e lint venv clean

# A stamp per requirements file, so a changed pin reinstalls and nothing else does.
$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

venv: $(VENV)/.runtime

run: $(VENV)/.runtime
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(PY) wsgi.py

test: $(VENV)/.dev
	$(PY) -m pytest $(PYTEST_ARGS)

# Browser tests: Debian's chromium driven by Playwright (never `playwright install`).
e2e: $(VENV)/.dev
	test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache
