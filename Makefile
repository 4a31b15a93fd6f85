# PaperDaily: `make run` serves the portal, `make test` runs the whole suite.
# Everything else here is a helper those two use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# The suite runs on real PostgreSQL and Redis (see .ci/run for starting them).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/paperdaily
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key-0123456789abcdefghijklmnop \
	ALLOWED_HOSTS=localhost,127.0.0.1,testserver \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CACHE_KEY_PREFIX=paperdaily-test

# Run a second time on SQLite (in memory), the embedded default of `make run`: search has a path of
# its own there (FTS5, papers/sqlite_search.py), and both backends must pass the same search tests;
# so must the personal features ("for you" trains on the embedded default too).
SQLITE_TESTS := tests/papers/test_search.py tests/papers/test_search_page.py tests/papers/test_search_index.py \
	tests/api/test_api_search.py tests/papers/test_chinese_names.py \
	tests/recommendations/test_for_you.py tests/recommendations/test_library.py tests/api/test_api_me.py \
	tests/recommendations/test_digest.py tests/recommendations/test_author_detail.py

.PHONY: run test lint format migrations messages worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# axe-core for the browser accessibility test, at the version package-lock.json pins.
AXE := tests/e2e/axe
$(AXE)/node_modules/.installed: $(AXE)/package.json $(AXE)/package-lock.json
	npm ci --prefix $(AXE) --no-audit --no-fund
	touch $@

## run: create .venv, install, migrate, load demo issue 128, serve on http://$(HOST):$(PORT) with a worker.
run: export DEBUG ?= true
# Links in mails and feeds point where this server listens (sign-up needs its mailed link to work).
run: export PAPERDAILY_SITE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) loaddemo --fetch
	$(MANAGE) collectstatic --noinput -v0
	@echo "PaperDaily on http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/; Ctrl-C stops the server and the worker)"
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/celery -A paperdaily worker --beat --pool=solo --loglevel=WARNING \
		--schedule=var/celerybeat-schedule & worker=$$!; \
	$(MANAGE) runserver $(HOST):$(PORT)

## worker: a Celery worker with beat, for the full stack (REDIS_URL set).
worker: $(VENV)/.installed
	$(BIN)/celery -A paperdaily worker --beat --loglevel=INFO --schedule=var/celerybeat-schedule

## test: lint, migrations check, API schema check (no warnings), the whole suite on PostgreSQL and Redis, search on SQLite.
test: $(VENV)/.installed-dev $(AXE)/node_modules/.installed lint
	DEBUG=true DATABASE_URL=sqlite://:memory: $(MANAGE) makemigrations --check --dry-run
	DEBUG=true DATABASE_URL=sqlite://:memory: $(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	$(TEST_ENV) $(MANAGE) collectstatic --noinput -v0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)
	$(TEST_ENV) DATABASE_URL=sqlite:// $(BIN)/pytest $(SQLITE_TESTS)

# lint-imports: the layers and directions of pyproject.toml's [tool.importlinter] contracts.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh the zh-hans catalogue after changing UI strings, then compile it.
messages: $(VENV)/.installed
	DEBUG=true $(MANAGE) makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete
	DEBUG=true $(MANAGE) compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf var .pytest_cache .ruff_cache tests/artifacts
