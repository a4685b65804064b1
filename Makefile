# Everything a fresh machine needs comes from here: a venv, the hash-pinned lock, the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.9.5
LAKE ?= data/lake
PREFECT_PORT ?= 4200

# Offline, private, and patient with the temporary Prefect server (it takes 15-35 s to start here).
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := false
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

.PHONY: install run test test-fast server lock clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/conflict-events run --input data/samples --lake $(LAKE)

test: install
	$(BIN)/python -m pytest

# The edit loop: every test but the `slow` ones (no Prefect or S3 server, no flow run, no Dask cluster); under 2 minutes.
test-fast: install
	$(BIN)/python -m pytest -m "not slow"

# A local Prefect server with its UI. SQLite under PREFECT_HOME unless PREFECT_SERVER_DATABASE_CONNECTION_URL
# names a PostgreSQL database (postgresql+asyncpg://user:password@host:5432/prefect).
server: install
	@echo "Prefect UI:  http://127.0.0.1:$(PREFECT_PORT)"
	@echo "Database:    $${PREFECT_SERVER_DATABASE_CONNECTION_URL:+the one PREFECT_SERVER_DATABASE_CONNECTION_URL names}$${PREFECT_SERVER_DATABASE_CONNECTION_URL:-SQLite in $(PREFECT_HOME)/prefect.db}" 
	@echo "Then, in another shell:"
	@echo "  export PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api"
	@echo "  $(BIN)/conflict-events serve        # hourly runs over data/samples into data/lake"
	$(BIN)/prefect server start --host 127.0.0.1 --port $(PREFECT_PORT)

# The throughput benchmark of the README's Performance section (1k, 10k, 100k articles: about 2 hours here).
bench: install
	$(BIN)/python -m bench.throughput $(BENCH_ARGS)

# Re-resolve pinned versions after editing dependencies in pyproject.toml.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(LAKE) .prefect
