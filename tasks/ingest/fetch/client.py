"""A polite HTTP fetcher: robots.txt, a per-host delay, retries with backoff, a size limit, conditional requests.

`Fetcher.get(url)` never raises for what a server or the network does: it returns `Fetched` (a body),
`NotModified` (a 304 to the validators sent) or `Failed` (a reason code, a sentence and what the server said).
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.robotparser import RobotFileParser

import httpx

from conflict_events.models import QuarantineRow, utc_now
from conflict_events.sources_config import FetchSettings

# What a quarantine payload keeps of a response's headers.
KEPT_HEADERS = (
    "content-type", "content-length", "content-encoding", "etag", "last-modified", "location", "retry-after", "server",
)
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Failures worth trying again next run (the URL is not marked as done); every other failure is final for the content seen.
TRANSIENT_REASONS = frozenset({"dns_error", "connection_error", "timeout", "http_429", "robots_unavailable"})
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: crawlers must parse at least 500 KiB


class Clock(Protocol):
    """Time as the fetcher sees it: injected so tests check delays and backoff without waiting."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> datetime:
        return utc_now()


@dataclass(frozen=True)
class Validators:
    """What a conditional request sends back: the ETag and Last-Modified of the last 200."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since for the validators that are known."""
        sent = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {k: v for k, v in sent.items() if v}


def is_transient(reason: str) -> bool:
    """A failure worth another try next run: network trouble, a rate limit, a server error (http_5xx)."""
    return reason in TRANSIENT_REASONS or (reason.startswith("http_5") and len(reason) == 8)


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a quarantine payload or the fetch state keeps."""
    return {k: headers[k] for k in KEPT_HEADERS if k in headers}


@dataclass(frozen=True)
class Fetched:
    """A successful response, its body read whole (content-decoded) within the size limit."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int
    headers: tuple[tuple[str, str], ...]  # every header as sent, in order (names lower-cased)
    body: bytes
    fetched_at: datetime

    @property
    def header_map(self) -> dict[str, str]:
        return dict(httpx.Headers(list(self.headers)))

    @property
    def media_type(self) -> str:
        """The Content-Type without parameters, lower-cased ("" when absent)."""
        return self.header_map.get("content-type", "").split(";")[0].strip().lower()

    @property
    def validators(self) -> Validators:
        headers = self.header_map
        return Validators(headers.get("etag"), headers.get("last-modified"))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class NotModified:
    """A 304: the server says the copy fetched last time is still current."""

    url: str
    final_url: str
    headers: dict[str, str]
    fetched_at: datetime


@dataclass(frozen=True)
class Failed:
    """A URL that gave no usable response: a short reason code and a sentence saying what happened."""

    url: str
    reason: str
    detail: str
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def transient(self) -> bool:
        return is_transient(self.reason)

    def row(self, record_ref: str, source: str, **extra: Any) -> QuarantineRow:
        """The ingest quarantine row of this failure."""
        payload = {"url": self.url, "final_url": self.final_url, "source": source, "status": self.status, "headers": self.headers, **extra}
        return QuarantineRow.of(record_ref, "ingest", self.reason, self.detail, payload)


Outcome = Fetched | NotModified | Failed


@dataclass(frozen=True)
class _Redirect:
    """A 3xx with a Location: the request httpx built to follow it."""

    request: httpx.Request


@dataclass
class _Robots:
    """An origin's robots.txt as parsed, or why everything there is refused."""

    parser: RobotFileParser | None = None
    refusal: Failed | None = None  # robots.txt unreachable: every URL of the origin gets this row
    crawl_delay: float = 0.0


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds, or an HTTP-date) as seconds from `now`; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _resolution_failed(exc: BaseException) -> bool:
    """The error came from looking the host name up (socket.gaierror somewhere down the chain)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, socket.gaierror):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _origin(url: httpx.URL) -> str:
    """scheme://host[:port], the scope of one robots.txt."""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


class Fetcher:
    """One run's polite HTTP client: robots.txt fetched once per origin, one request per host at a time apart.

    The httpx client opens on first use; `close()` frees its connections and keeps what the run learnt
    (robots rules and the time of each host's last request), so sources may share one Fetcher.
    """

    def __init__(self, settings: FetchSettings | None = None, clock: Clock | None = None):
        self.settings = settings or FetchSettings()
        self.clock = clock or SystemClock()
        self._client: httpx.Client | None = None
        self._robots: dict[str, _Robots] = {}
        self._last_request: dict[str, float] = {}  # host -> clock.monotonic() of its last request
        self.requests = 0  # every request sent, robots.txt and retries included

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            s = self.settings
            self._client = httpx.Client(
                headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
                timeout=httpx.Timeout(s.timeout_seconds),
                follow_redirects=False,  # followed here, so each hop passes robots.txt and the host delay
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def get(self, url: str, validators: Validators | None = None, html_only: bool = False) -> Outcome:
        """GET `url` politely; `html_only` refuses a non-HTML Content-Type before its body is read (`not_html`)."""
        return self._get(url, validators, html_only, self.settings.max_bytes, check_robots=True)

    def _get(self, url: str, validators: Validators | None, html_only: bool, max_bytes: int, check_robots: bool) -> Outcome:
        """GET with redirects followed one hop at a time, each hop checked against robots.txt."""
        headers = validators.headers() if validators else {}
        try:
            request = self.client.build_request("GET", url, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            return Failed(url, "bad_url", f"{url!r} is not a URL that can be fetched: {exc}")
        hops: list[str] = []
        for _ in range(self.settings.max_redirects + 1):
            if check_robots:
                refused = self._robots_refusal(url, request.url)
                if refused is not None:
                    return refused
            outcome = self._send(url, request, html_only, max_bytes)
            if not isinstance(outcome, _Redirect):
                return outcome
            hops.append(str(outcome.request.url))
            request = outcome.request
        chain = " -> ".join(hops[-4:])
        return Failed(
            url, "too_many_redirects",
            f"more than {self.settings.max_redirects} redirects (max_redirects); last hops: {'... -> ' if len(hops) > 4 else ''}{chain}",
            final_url=hops[-1],
        )

    def _wait_turn(self, host: str) -> None:
        """Sleep until the host's last request is at least the per-host delay (or its robots Crawl-delay) ago."""
        robots_delays = [r.crawl_delay for origin, r in self._robots.items() if httpx.URL(origin).host == host]
        delay = max([self.settings.per_host_delay_seconds, *robots_delays])
        last = self._last_request.get(host)
        if last is not None:
            wait = last + delay - self.clock.monotonic()
            if wait > 0:
                self.clock.sleep(wait)
        self._last_request[host] = self.clock.monotonic()

    def _send(self, url: str, request: httpx.Request, html_only: bool, max_bytes: int) -> Outcome | _Redirect:
        """One hop: sent, and sent again with backoff on 429, 5xx and connection errors, up to `retries` times."""
        s = self.settings
        final = str(request.url)
        for attempt in range(s.retries + 1):
            backoff = s.backoff_seconds * 2**attempt
            self._wait_turn(request.url.host)
            self.requests += 1
            try:
                response = self.client.send(request, stream=True)
                try:
                    outcome = self._judge(url, response, attempt, html_only, max_bytes)
                finally:
                    response.close()  # an unread body (too big, not HTML) is not downloaded
                if not isinstance(outcome, float):
                    return outcome
                self.clock.sleep(outcome if outcome >= 0 else backoff)
                continue
            except httpx.ConnectTimeout:
                problem = ("connection_error", f"no connection to {request.url.host} within {s.timeout_seconds:g} s")
            except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout):
                # The server took the connection but was too slow: asking again in this run would only add to its load.
                return Failed(url, "timeout", f"no answer from {request.url.host} within {s.timeout_seconds:g} s (timeout_seconds)", final_url=final)
            except httpx.ConnectError as exc:
                if _resolution_failed(exc):
                    return Failed(url, "dns_error", f"the host name {request.url.host!r} does not resolve: {exc}", final_url=final)
                problem = ("connection_error", f"cannot connect to {request.url.host}: {exc}")
            except httpx.TransportError as exc:  # reset, closed mid-body, protocol errors
                problem = ("connection_error", f"the connection to {request.url.host} failed: {type(exc).__name__}: {exc}")
            if attempt < s.retries:
                self.clock.sleep(backoff)
        return Failed(url, problem[0], f"{problem[1]} ({s.retries + 1} tries)", final_url=final)

    def _judge(self, url: str, response: httpx.Response, attempt: int, html_only: bool, max_bytes: int) -> Outcome | _Redirect | float:
        """What one response means: an outcome, a redirect to follow, or (a float) seconds to wait before a retry (-1: backoff)."""
        s = self.settings
        status, final, kept = response.status_code, str(response.url), kept_headers(response.headers)
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("retry-after"), self.clock.now()) if status in (429, 503) else None
            if wait is not None and wait > s.max_retry_after_seconds:
                return Failed(
                    url, f"http_{status}",
                    f"the server answered {status} and asked to wait {wait:.0f} s, more than max_retry_after_seconds ({s.max_retry_after_seconds:g} s)",
                    status, final, kept,
                )
            if attempt < s.retries:
                return -1.0 if wait is None else wait
            return Failed(url, f"http_{status}", f"the server answered {status} to {attempt + 1} tries", status, final, kept)
        if response.is_redirect and response.next_request is not None:
            return _Redirect(response.next_request)
        if status == 304:
            return NotModified(url, final, kept, self.clock.now())
        if not 200 <= status < 300:
            return Failed(url, f"http_{status}", f"the server answered {status} {response.reason_phrase}".rstrip(), status, final, kept)
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if html_only and media and media not in HTML_TYPES:
            return Failed(url, "not_html", f"the page is {media}, not HTML; its body was not read", status, final, kept)
        body = self._read_within(response, max_bytes)
        if isinstance(body, str):
            return Failed(url, "too_big", body, status, final, kept)
        return Fetched(url, final, status, tuple(response.headers.multi_items()), body, self.clock.now())

    @staticmethod
    def _read_within(response: httpx.Response, max_bytes: int) -> bytes | str:
        """The decoded body, or (a str) why it was refused: a Content-Length or a stream past `max_bytes`."""
        declared = response.headers.get("content-length", "")
        # Content-Length counts the bytes on the wire: compressed ones only grow when decoded, so it can refuse early.
        if declared.isdigit() and int(declared) > max_bytes:
            return f"Content-Length is {int(declared)} bytes, over the {max_bytes}-byte limit (max_bytes); the body was not read"
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():  # decoded (gzip/deflate) bytes: the limit bounds what is kept in memory
            size += len(chunk)
            if size > max_bytes:
                return f"the body passed the {max_bytes}-byte limit (max_bytes) while it was read ({size} bytes decoded so far); the download was stopped"
            chunks.append(chunk)
        return b"".join(chunks)

    def _robots_refusal(self, url: str, target: httpx.URL) -> Failed | None:
        """None when robots.txt lets our user agent fetch `target`, else the row-to-be saying why not."""
        origin = _origin(target)
        robots = self._robots.get(origin)
        if robots is None:
            robots = self._robots[origin] = self._load_robots(origin)
        if robots.refusal is not None:
            r = robots.refusal
            return Failed(url, r.reason, r.detail, r.status, str(target), r.headers)
        assert robots.parser is not None
        if robots.parser.can_fetch(self.settings.user_agent, str(target)):
            return None
        return Failed(
            url, "robots_disallowed",
            f"{origin}/robots.txt does not allow {target.raw_path.decode('ascii', 'replace')} to our user agent; no request was made",
            final_url=str(target),
        )

    def _load_robots(self, origin: str) -> _Robots:
        """An origin's robots.txt (RFC 9309): 4xx means no rules; 5xx means nothing may be fetched; no answer, no fetch."""
        robots_url = f"{origin}/robots.txt"
        outcome = self._get(robots_url, None, False, ROBOTS_MAX_BYTES, check_robots=False)
        parser = RobotFileParser(robots_url)
        if isinstance(outcome, Fetched):
            parser.parse(outcome.body.decode("utf-8", "replace").splitlines())
            delay = parser.crawl_delay(self.settings.user_agent)
            # A Crawl-delay slows this host down, but no further than a Retry-After would be honoured.
            return _Robots(parser, crawl_delay=min(float(delay or 0), self.settings.max_retry_after_seconds))
        if isinstance(outcome, Failed) and outcome.reason in ("dns_error", "connection_error", "timeout"):
            return _Robots(refusal=outcome)  # the host is unreachable: its pages would fail the same way
        if isinstance(outcome, Failed) and outcome.status is not None and (outcome.status >= 500 or outcome.status == 429):
            return _Robots(refusal=Failed(
                robots_url, "robots_unavailable",
                f"{robots_url} answered {outcome.status}: until it can be read, nothing on {origin} is fetched (RFC 9309)",
                outcome.status, robots_url, outcome.headers,
            ))
        parser.allow_all = True  # 4xx, too big, too many redirects: no usable rules, so none apply
        return _Robots(parser)
