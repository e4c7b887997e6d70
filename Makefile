# The two commands of the README, and what they stand on.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test setup lint

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# Embedded default: SQLite, local-memory cache, in-memory channel layer, one ASGI
# process. SMS dry run and a static code so the demo can sign in (code 1234).
run: $(STAMP)
	SMS_DRY_RUN=true OTP_STATIC_CODE=$${OTP_STATIC_CODE:-1234} MENU_API_URL= \
		$(PY) manage.py migrate --no-input
	SMS_DRY_RUN=true OTP_STATIC_CODE=$${OTP_STATIC_CODE:-1234} MENU_API_URL= \
		$(PY) manage.py seed_demo
	SMS_DRY_RUN=true OTP_STATIC_CODE=$${OTP_STATIC_CODE:-1234} MENU_API_URL= \
		$(VENV)/bin/daphne -b 127.0.0.1 -p 8000 sardoba.asgi:application

test: $(STAMP)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
