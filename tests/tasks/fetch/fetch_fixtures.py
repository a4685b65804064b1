"""Fixtures of the fetch tests (imported by the test modules: a second conftest.py would shadow the repo's)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from conflict_events.models import QuarantineRow, RawRecord
from conflict_events.sources_config import FetchSettings, SourceConfig
from tasks.ingest.fetch import FetchSource, Fetcher, FetchState, ResponseArchive
from tests.tasks.fetch.server import LocalServer


class FakeClock:
    """A clock whose time moves only when the fetcher sleeps: every wait is recorded, none is spent."""

    def __init__(self) -> None:
        self.elapsed = 0.0
        self.sleeps: list[float] = []
        self.start = datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return self.elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.elapsed += seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed)


def settings(**overrides) -> FetchSettings:
    """Fetch settings for tests: the real defaults' shape, short timeouts, a small size limit."""
    values = dict(
        user_agent="conflict-events/test (tests)", per_host_delay_seconds=1.0, timeout_seconds=2.0,
        max_bytes=200_000, max_redirects=3, retries=2, max_retry_after_seconds=30.0, backoff_seconds=0.5,
    )
    return FetchSettings(**{**values, **overrides})


def source(kind: str, location: str, clock: FakeClock, state: FetchState | None = None, archive: ResponseArchive | None = None,
           fetcher: Fetcher | None = None, **options) -> FetchSource:
    """A FetchSource named "test" with test settings (options override them)."""
    config = SourceConfig("test", kind, location, country="Nigeria", language=options.pop("language", "en"))
    return FetchSource(config, fetcher or Fetcher(settings(**options), clock), state if state is not None else FetchState(), archive)


def split(items) -> tuple[list[RawRecord], list[QuarantineRow]]:
    """Records and quarantine rows of a source's items (nothing else may come out)."""
    records = [i for i in items if isinstance(i, RawRecord)]
    rows = [i for i in items if isinstance(i, QuarantineRow)]
    assert len(records) + len(rows) == len(items)
    return records, rows


def only_row(items) -> QuarantineRow:
    """The one ingest quarantine row the items must be."""
    records, rows = split(items)
    assert not records and len(rows) == 1, items
    assert rows[0].stage == "ingest"
    return rows[0]


HTML = {"Content-Type": "text/html; charset=utf-8"}


def article(title: str, *paragraphs: str) -> bytes:
    """A news page: navigation and footer around an article of several paragraphs."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        f"<footer>Copyright Example Wire</footer></body></html>"
    ).encode("utf-8")


KONDUGA = article(
    "Gunmen kill five in Konduga",
    "Gunmen killed five villagers in the town of Konduga in Borno State on Sunday, residents and a local official said.",
    "The attackers arrived on motorcycles late in the evening and set fire to several houses before fleeing into the bush.",
    "A spokesman for the state police command confirmed the attack and said security forces had been deployed to the area.",
)
MOGADISHU = article(
    "Suicide bomber strikes Mogadishu checkpoint",
    "A suicide bomber blew himself up at a security checkpoint near the parliament in Mogadishu on Monday, killing three soldiers.",
    "Al-Shabaab said in a statement on one of its radio stations that it had carried out the attack on the checkpoint.",
    "Police officials said at least seven other people, most of them civilians walking past the checkpoint, were wounded.",
)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A LocalServer serving in a thread for one test."""
    httpd = LocalServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
