"""Shared fixtures: offline Prefect/GX settings, one Prefect test server per session, the coder's resources."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from conflict_events.settings import offline_environment

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="conflict-events-tests-"))
# The project's offline defaults, then a Prefect home and result store of the session's own, and quiet logs.
os.environ.update(
    {
        **offline_environment(),
        "PREFECT_HOME": str(_SESSION_TMP / "prefect-home"),
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(_SESSION_TMP / "prefect-results"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "data" / "samples"
REFERENCE = PROJECT_ROOT / "conflict_events" / "reference"
SHARED = PROJECT_ROOT.parent / "shared"


def articles_table(*texts: str):
    """Articles rows (the text is also the ref and title), as the lake stores them."""
    import hashlib
    from datetime import datetime, timezone

    import pyarrow as pa

    from conflict_events.schemas import SCHEMAS

    now = datetime.now(timezone.utc)
    return pa.Table.from_pylist(
        [
            {"article_id": hashlib.sha256(t.encode()).hexdigest(), "source_ref": t, "source_name": None, "url": None, "title": t,
             "published_date": None, "date_source": "none", "language": "en", "text": t, "n_chars": len(t), "ingested_at": now, "run_id": "r"}
            for t in texts
        ],
        schema=SCHEMAS["articles"],
    )


def quarantine_table(*refs: str):
    """Quarantine rows, one per ref, as the lake stores them."""
    from datetime import datetime, timezone

    import pyarrow as pa

    from conflict_events.schemas import SCHEMAS

    now = datetime.now(timezone.utc)
    return pa.Table.from_pylist(
        [{"record_ref": r, "stage": "ingest", "reason": "empty_file", "detail": "d", "payload": "{}", "run_id": "run", "quarantined_at": now} for r in refs],
        schema=SCHEMAS["quarantine"],
    )


class CurrentVersion(NamedTuple):
    """A dataset's current version as a consumer sees it: its name, its rows, its manifest."""

    version: str
    table: Any  # a pyarrow.Table (pyarrow is imported lazily, like every heavy import in this file)
    manifest: dict


def read_current(lake: Path, dataset: str) -> CurrentVersion:
    """What a downstream consumer does: follow _CURRENT, read the version folder with plain pyarrow (no project code)."""
    import pyarrow.parquet as pq

    folder = Path(lake) / dataset
    version = (folder / "_CURRENT").read_text().strip()
    return CurrentVersion(version, pq.read_table(folder / version), json.loads((folder / version / "_manifest.json").read_text()))


def flip_byte_in_place(path: Path) -> None:
    """Change one byte in the middle without replacing the file, so every hard link sees it."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.seek(size // 2)
        byte = handle.read(1)
        handle.seek(size // 2)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert path.stat().st_size == size


# Session fixtures that start a Prefect server: a test that requests one (even through another fixture) is slow.
SERVER_FIXTURES = {"prefect_server", "prefect_api"}


def pytest_collection_modifyitems(config, items):
    """Refuse to run a test that starts a Prefect server without the `slow` marker: `make test-fast` must start none."""
    unmarked = [item.nodeid for item in items if SERVER_FIXTURES & set(item.fixturenames) and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("these tests start a Prefect server; mark them @pytest.mark.slow: " + ", ".join(unmarked))


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the whole session (it takes 15-35 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# Scheduling tuned to act within seconds (test_deploy waits for scheduled runs); the real server reads these.
FAST_SCHEDULER = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
    "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "3",
    "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "1",
    "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME": "0:00:30",
    "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "5",
    "PREFECT_LOGGING_LEVEL": "INFO",
}


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """The API URL of a real `prefect server start` with its own SQLite database, shared by the session's server tests."""
    from bench.prefect_server import prefect_server as real_server

    with real_server(tmp_path_factory.mktemp("prefect-server-home"), env=FAST_SCHEDULER) as url:
        yield url


@pytest.fixture(scope="session")
def resources():
    """spaCy, gazetteer and actor dictionary, loaded once (about 10 s)."""
    from tasks.extract.coder import Resources

    return Resources.load(REFERENCE)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the project; tests that read third-party evaluation data skip without it."""
    if not (SHARED / "eval").is_dir():
        pytest.skip("../shared (evaluation data) is not beside the project")
    return SHARED


def code_text(resources, text: str, published):
    """Clean and code one article written in a test; it must pass cleaning and code without failure."""
    from datetime import date

    from tasks.clean import clean_records
    from tasks.extract.coder import code_articles
    from conflict_events.models import RawRecord

    cleaned = clean_records([RawRecord("t", text, published=published.isoformat() if published else None)], date(2026, 11, 21), {})
    assert cleaned.articles, cleaned.quarantined
    events, failures = code_articles(cleaned.articles, resources)
    assert failures == []
    return events
