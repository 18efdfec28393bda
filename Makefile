# The two commands of the README: `make demo` and `make test`. Everything else is a helper they call.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: demo test install serve migrate seed messages lint worker beat web

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## demo: install, migrate an embedded SQLite database, seed the demo region once, serve on 127.0.0.1:8000
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py runserver $(HOST)

## test: the whole suite on the configured database (SQLite unless DATABASE_URL is set)
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

messages: install
	bin/i18n-check

# The production processes, natively (docker-compose.yml runs the same commands).
web: install
	DJANGO_SETTINGS_MODULE=aftersales.settings.production $(VENV)/bin/gunicorn aftersales.wsgi --bind $(HOST) --workers 3
worker: install
	$(VENV)/bin/celery -A aftersales worker --loglevel=INFO --concurrency=2
beat: install
	$(VENV)/bin/celery -A aftersales beat --loglevel=INFO --schedule=var/celerybeat-schedule
