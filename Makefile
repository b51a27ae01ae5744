# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi

.PHONY: run test e2e lint venv clean serve-prod cluster bench catalogues extract

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

# Translations: the .po files are the source (committed), the .mo files are built here.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard warmline/translations/*/LC_MESSAGES/messages.po))
%.mo: %.po $(VENV)/.runtime
	$(VENV)/bin/pybabel compile --use-fuzzy -i $< -o $@

catalogues: $(CATALOGUES)

# New member-facing strings: extract, then merge into each language's .po to translate.
extract: $(VENV)/.runtime
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o warmline/translations/messages.pot .
	$(VENV)/bin/pybabel update -i warmline/translations/messages.pot -d warmline/translations --no-fuzzy-matching

run: $(VENV)/.runtime catalogues
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(PY) wsgi.py

test: $(VENV)/.dev catalogues
	$(PY) -m pytest $(PYTEST_ARGS)

# Browser tests: Debian's chromium driven by Playwright (never `playwright install`).
e2e: $(VENV)/.dev catalogues
	test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Production server: gunicorn, one gevent worker (gunicorn.conf.py). Configure by environment.
serve-prod: $(VENV)/.runtime catalogues
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# Two processes on 5001 and 5002 sharing PostgreSQL and Redis, for trying it by hand:
#   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/warmline SOCKETIO_MESSAGE_QUEUE=redis://127.0.0.1:6379/0 make cluster
cluster: $(VENV)/.runtime catalogues
	@test -n "$$DATABASE_URL" || (echo "set DATABASE_URL (PostgreSQL)"; exit 1)
	@test -n "$$SOCKETIO_MESSAGE_QUEUE" || (echo "set SOCKETIO_MESSAGE_QUEUE (redis://...)"; exit 1)
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key 2>/dev/null || echo cluster-secret)}; export SECRET_KEY; \
	  RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-$$SOCKETIO_MESSAGE_QUEUE}; export RATELIMIT_STORAGE_URI; \
	  trap 'kill 0' INT TERM EXIT; \
	  WARMLINE_PORT=5001 $(PY) wsgi.py & WARMLINE_PORT=5002 $(PY) wsgi.py & \
	  echo "cluster: http://127.0.0.1:5001 and http://127.0.0.1:5002 (Ctrl-C stops both)"; wait

# Benchmarks: chat relay, idle connections, thread page, queue burst, each against its bare
# baseline (bench/RESULTS.md, bench/latency.png); about ten minutes.
bench: $(VENV)/.dev
	$(PY) -m bench.run

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache
