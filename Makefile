# Everything a fresh machine needs comes from here: a venv, the hash-pinned lock, the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.9.5
LAKE ?= data/lake
PREFECT_PORT ?= 4200

# The offline, private Prefect/GX settings (project-local PREFECT_HOME in .prefect/) are applied by the
# console script, the tests and the benchmarks themselves: conflict_events/settings.py, offline_environment().

.PHONY: install run test test-fast browser server lock clean bench fuzz train

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Byte-compiled at install: machines here set PYTHONDONTWRITEBYTECODE, so nothing is cached on first import and
# every run would compile Prefect, GX and pandas again (imports 3.7 s -> 2.3 s, the Prefect server's 5.3 s -> 3.1 s).
# The Prefect database is created here too, so the first run's temporary server need not migrate it.
$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/conflict-events server --database-only > /dev/null
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/conflict-events run --input data/samples --lake $(LAKE)

# The browser tests drive a headless Chromium: Debian's package (as root, as CI runs), never Playwright's downloads.
# Already there, or no apt-get and no root: nothing to do here (the tests say why they skip; under CI=true they fail).
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 \
	|| { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	     && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	          || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; }; } \
	|| echo "make browser: no Chromium and it cannot be installed here (needs root and apt-get): browser tests will skip"

# The coder's sentence model, from the train half of data/eval/coder/ (reproducible; commit the result).
train: install
	$(BIN)/python -m scripts.train_coder_model

test: install browser
	$(BIN)/python -m pytest

# The edit loop: every test but the `slow` ones (no Prefect or S3 server, no flow run, no Dask cluster); under 2 minutes.
test-fast: install browser
	$(BIN)/python -m pytest -m "not slow"

# A local Prefect server with its UI. SQLite under PREFECT_HOME unless PREFECT_SERVER_DATABASE_CONNECTION_URL
# names a PostgreSQL database (postgresql+asyncpg://user:password@host:5432/prefect).
server: install
	$(BIN)/conflict-events server --port $(PREFECT_PORT)

# The throughput benchmark of the README's Performance section (1k, 10k, 100k articles: about 2 hours here).
bench: install
	$(BIN)/python -m bench.throughput $(BENCH_ARGS)

# Long fuzzing: 10,000 generated articles through clean + extract with a timing report (bench/fuzz.py), then every property in tests/fuzz at 2,000 examples (HYPOTHESIS_PROFILE=long); about 20 minutes, FUZZ_ARGS="--n 1000" for less.
fuzz: install
	$(BIN)/python -m bench.fuzz $(FUZZ_ARGS); found=$$?; HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest tests/fuzz -q -p no:logging && exit $$found

# Re-resolve pinned versions after editing dependencies in pyproject.toml.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(LAKE) .prefect
