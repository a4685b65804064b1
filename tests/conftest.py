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


HOSTILE_NOTE = '</script><script>window.__pwned = 1</script><img src="https://example.org/x.png"> =HYPERLINK("http://evil")'


def event_rows(count: int, start: int = 0, run_id: str = "run") -> list[dict]:
    """`count` realistic events over six countries, two years and every event type; some without a date or a place.

    Event `start + i` is the same whatever `count`: a second batch extends the first.
    """
    from datetime import date, timedelta

    from conflict_events.schemas import ACLED_SUB_EVENT_TYPES

    places = [
        ("Syria", "SYR", "Idlib", "Idlib", 35.93, 36.63), ("Nigeria", "NGA", "Borno", "Maiduguri", 11.85, 13.16),
        ("Ukraine", "UKR", "Kharkiv", "Kharkiv", 49.99, 36.23), ("Sudan", "SDN", "North Darfur", "El Fasher", 13.63, 25.35),
        ("Haiti", "HTI", "Ouest", "Port-au-Prince", 18.54, -72.34), ("Kenya", "KEN", "Nairobi", "Nairobi", -1.28, 36.82),
    ]
    kinds = [(t, s) for t, subs in ACLED_SUB_EVENT_TYPES.items() for s in subs]
    rows = []
    for i in range(start, start + count):
        country, iso3, admin1, location, lat, lon = places[i % len(places)]
        event_type, sub = kinds[i % len(kinds)]
        located = i % 9 != 4
        rows.append({
            "event_id": f"{i:016x}-000", "article_id": f"{i:064x}", "event_date": None if i % 11 == 5 else date(2024, 1, 1) + timedelta(days=(i * 37) % 700),
            "time_precision": 1, "disorder_type": "Political violence", "event_type": event_type, "sub_event_type": sub,
            "actor1": f"Actor {i % 5}", "assoc_actor_1": None, "inter1": "State forces", "actor2": None if i % 3 else f"Civilians ({country})",
            "assoc_actor_2": None, "inter2": None if i % 3 else "Civilians", "civilian_targeting": None, "country": country, "iso3": iso3,
            "admin1": admin1, "admin2": None, "location": location if located else None, "latitude": lat if located else None,
            "longitude": lon if located else None, "geo_precision": 1, "fatalities": (i * 7) % 13, "injuries": i % 4,
            "notes": HOSTILE_NOTE if i == start else f"Event {i} in {location}: a sentence from the article.",
            "confidence": round(0.4 + (i % 6) / 10, 2), "extractor_version": "rules-test",
        })
    return rows


def publish_events_lake(lake: Path, batches: tuple[int, ...] = (25, 15)) -> Path:
    """A lake whose events, articles and quarantine have one version per batch (real publishes, no flow)."""
    from datetime import datetime, timezone

    import pyarrow as pa

    from conflict_events.lake.factory import open_lake
    from conflict_events.schemas import SCHEMAS

    opened = open_lake(str(lake))
    start = 0
    for number, count in enumerate(batches, 1):
        run_id = f"run-{number}"
        events = event_rows(count, start, run_id)
        now = datetime(2025, 1, number, tzinfo=timezone.utc)
        articles = [
            {"article_id": e["article_id"], "source_ref": f"a{start + i}.txt", "source_name": "Wire <b>&</b> Co" if i == 0 else "Wire",
             "url": None, "title": f"t{start + i}", "published_date": None, "date_source": "none", "language": "en",
             "text": e["notes"], "n_chars": len(e["notes"]), "ingested_at": now, "run_id": run_id}
            for i, e in enumerate(events)
        ]
        quarantine = [{"record_ref": f"<b>bad-{number}</b>", "stage": "clean", "reason": "empty_text", "detail": "the text is <empty>",
                       "payload": "{}", "run_id": run_id, "quarantined_at": now}]
        validation = {"rows_checked": count, "rows_failed": 1, "expectations_evaluated": 30, "expectations_failed": {"expect_x(latitude)": 1}}
        opened.publish_all(
            {"articles": (pa.Table.from_pylist(articles, schema=SCHEMAS["articles"]), None),
             "events": (pa.Table.from_pylist(events, schema=SCHEMAS["events"]), None),
             "quarantine": (pa.Table.from_pylist(quarantine, schema=SCHEMAS["quarantine"]), None)},
            run_id, {"articles": {"validation": validation}, "events": {"validation": validation}},
        )
        start += count
    return lake
