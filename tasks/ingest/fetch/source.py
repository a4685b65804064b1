"""Configured sources as ArticleSources: a feed's new entries, a page, or a folder, each record or quarantine row once."""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from conflict_events.models import QuarantineRow, RawRecord
from conflict_events.sources_config import SourceConfig, SourcesConfig
from tasks.ingest.fetch.archive import ResponseArchive
from tasks.ingest.fetch.client import Clock, Failed, Fetched, Fetcher, NotModified, is_transient, kept_headers
from tasks.ingest.fetch.state import FetchState, UrlState
from tasks.ingest.markup import html_to_text, looks_like_html
from tasks.ingest.records import Item, safe_str
from tasks.ingest.sources import ArticleSource, FileSource


def page_text(response: Fetched) -> str:
    """A page's body as text: the charset its Content-Type names, else trafilatura's guess (meta tags, byte statistics)."""
    from trafilatura.utils import decode_file

    content_type = response.header_map.get("content-type", "")
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            try:
                return safe_str(response.body.decode(value.strip().strip("\"'"), "replace"))
            except LookupError:  # a charset Python does not know: guess instead
                break
    return safe_str(decode_file(response.body))


def _struct_date(value: Any) -> str | None:
    """feedparser's parsed date (a UTC time.struct_time) as an ISO date."""
    try:
        return date(*value[:3]).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class FetchSource:
    """One configured source (feed, page or folder) as an ArticleSource.

    Feeds and pages are fetched politely through the shared `fetcher`; `state` says what earlier runs
    fetched and is updated as items are read; `archive` keeps every body read. A feed entry already
    fetched whose updated/published stamp has not changed costs no request. `counts` tells, after a
    read, how many records, quarantine rows, unchanged URLs (304 or same text) and skipped entries there were.
    """

    def __init__(self, config: SourceConfig, fetcher: Fetcher, state: FetchState, archive: ResponseArchive | None = None):
        self.config = config
        self.name = config.name
        self.fetcher = fetcher
        self.state = state
        self.archive = archive
        self.counts: Counter[str] = Counter()

    def read(self) -> Iterator[Item]:
        """Every record and quarantine row of the source; a failure of the source itself is one row, not an exception."""
        self.counts.clear()
        reader = {"feed": self._read_feed, "page": self._read_page, "folder": self._read_folder}[self.config.kind]
        try:
            for item in reader():
                self.counts["records" if isinstance(item, RawRecord) else "quarantined"] += 1
                yield item
        except Exception as exc:  # a bug or a library failure must not stop the sources after this one
            self.counts["quarantined"] += 1
            yield QuarantineRow.of(
                self.config.location, "ingest", "source_failed",
                f"reading source {self.name!r} stopped: {type(exc).__name__}: {exc}",
                {"source": self.name, "kind": self.config.kind, "location": self.config.location},
            )
        finally:
            self.fetcher.close()  # its connections; robots rules and host delays stay for the next source

    # -- folders --------------------------------------------------------------------------------------

    def _read_folder(self) -> Iterator[Item]:
        """The folder's items through FileSource, records labelled with the source's name and hints."""
        for item in FileSource(self.config.location).read():
            if isinstance(item, RawRecord):
                item = replace(item, source=item.source or self.name, extra={**self._hints(), **item.extra})
            yield item

    def _hints(self) -> dict[str, str]:
        hints = {"country": self.config.country, "language": self.config.language}
        return {k: v for k, v in hints.items() if v is not None}

    # -- pages ----------------------------------------------------------------------------------------

    def _read_page(self) -> Iterator[Item]:
        """The page, asked for conditionally every run: a record when its text is new or changed."""
        url = self.config.location
        item = self._fetch_article(url, url, stamp=None, title=None, published=None, extra={})
        if item is not None:
            yield item

    # -- feeds ----------------------------------------------------------------------------------------

    def _read_feed(self) -> Iterator[Item]:
        """The feed (conditionally), then each entry that is new or whose stamp changed."""
        import feedparser

        url = self.config.location
        before = self.state.get(url)
        outcome = self.fetcher.get(url, self.state.validators(url))
        if isinstance(outcome, Failed):
            self._settle(url, before, outcome.status, None, keep_validators=True)
            yield outcome.row(url, self.name, feed=url)
            return
        if isinstance(outcome, NotModified):
            self.counts["unchanged"] += 1
            self._settle(url, before, 304, None, keep_validators=True)
            return
        self._archive(outcome)
        # A stream, not bytes: feedparser opens a bytes argument that looks like a path as a local file.
        parsed = feedparser.parse(
            io.BytesIO(outcome.body),
            response_headers={"content-location": outcome.final_url, **kept_headers(outcome.header_map)},
        )
        if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):  # broken, or not a feed at all
            self._settle(url, before, outcome.status, None)
            problem = parsed.get("bozo_exception")
            why = f"{type(problem).__name__}: {problem}" if problem else "the body is not RSS or Atom"
            yield Failed(
                url, "feed_unreadable", f"feedparser found no entries: {why}",
                outcome.status, outcome.final_url, kept_headers(outcome.header_map),
            ).row(url, self.name, feed=url)
            return
        retry_feed = False
        seen: set[str] = set()
        for index, entry in enumerate(parsed.entries, start=1):
            for item in self._entry(entry, index, url, seen):
                if isinstance(item, QuarantineRow) and is_transient(item.reason):
                    retry_feed = True
                yield item
        # After a passing failure of an entry, the feed is asked for whole next run (no validators), so the entry comes again.
        self._settle(url, before, outcome.status, None, validators=None if retry_feed else outcome.validators)

    def _entry(self, entry: Any, index: int, feed_url: str, seen: set[str]) -> Iterator[Item]:
        """One feed entry: skipped (unchanged), a record, or a quarantine row."""
        link = (entry.get("link") or "").strip()
        ref = (entry.get("id") or "").strip() or link
        payload = {"feed": feed_url, "source": self.name, "entry": index, "id": entry.get("id"), "title": entry.get("title"), "link": link}
        if not link:
            yield QuarantineRow.of(ref or f"{feed_url}#{index}", "ingest", "entry_without_link", f"entry {index} of the feed has no link", payload)
            return
        if link in seen:
            yield QuarantineRow.of(ref, "ingest", "duplicate_entry", f"entry {index} links to {link}, as an earlier entry of the feed does", payload)
            return
        seen.add(link)
        # dict.get: feedparser's own get maps a missing `updated` to `published` with a DeprecationWarning.
        stamp = dict.get(entry, "updated") or entry.get("published") or ""
        before = self.state.get(link)
        if before is not None and before.entry_stamp is not None and before.entry_stamp == stamp:
            self.counts["skipped"] += 1  # fetched before and not updated since: no request at all
            return
        published = _struct_date(entry.get("published_parsed") or dict.get(entry, "updated_parsed"))
        item = self._fetch_article(link, ref, stamp=stamp, title=entry.get("title"), published=published, extra={"feed": feed_url})
        if item is not None:
            yield item

    # -- shared ---------------------------------------------------------------------------------------

    def _fetch_article(
        self, url: str, ref: str, stamp: str | None, title: str | None, published: str | None, extra: dict[str, str]
    ) -> Item | None:
        """An article page -> a record, a quarantine row, or None when it has not changed since it was last read."""
        before = self.state.get(url)
        outcome = self.fetcher.get(url, self.state.validators(url), html_only=True)
        if isinstance(outcome, NotModified):
            self.counts["unchanged"] += 1
            self._settle(url, before, 304, stamp, keep_validators=True)
            return None
        if isinstance(outcome, Failed):
            # A passing failure leaves the entry unsettled, so the next run tries it again.
            self._settle(url, before, outcome.status, None if outcome.transient else stamp, keep_validators=True)
            return outcome.row(ref, self.name, **extra)
        self._archive(outcome)
        text = page_text(outcome)
        media = outcome.media_type
        base = {"url": url, "final_url": outcome.final_url, "source": self.name, "status": outcome.status,
                "headers": kept_headers(outcome.header_map), **extra}
        if not media and not looks_like_html(text):  # no Content-Type at all: the body must look like markup
            self._settle(url, before, outcome.status, stamp, validators=outcome.validators)
            return QuarantineRow.of(ref, "ingest", "not_html", "the page has no Content-Type and its body does not look like HTML", base)
        body = html_to_text(text)
        if not body.strip():
            self._settle(url, before, outcome.status, stamp, validators=outcome.validators)
            return QuarantineRow.of(ref, "ingest", "no_text", "no readable text found in the page (trafilatura and the markup's text nodes)", base)
        sha = _text_sha256(body)
        self._settle(url, before, outcome.status, stamp, validators=outcome.validators, sha=sha)
        if before is not None and before.content_sha256 == sha:
            self.counts["unchanged"] += 1  # fetched again (no validators, or a new stamp) but the text is the same
            return None
        meta = _metadata(text)
        record_extra = {
            **self._hints(),
            "fetched_at": outcome.fetched_at.isoformat(),
            "content_sha256": sha,
            "http_status": str(outcome.status),
            **extra,
        }
        if before is not None and before.content_sha256 is not None:
            # The same URL with a different text: an update, which replaces the article read from it before.
            record_extra.update(replaces_url=url, replaces_sha256=before.content_sha256)
        return RawRecord(
            source_ref=ref,
            text=body,
            title=(title or "").strip() or meta.get("title"),
            source=self.name,
            url=outcome.final_url,
            published=published or meta.get("date"),
            origin=outcome.final_url,
            has_own_id=True,  # a guid or a URL names the article everywhere, not only within this source
            extra=record_extra,
        )

    def _archive(self, response: Fetched) -> None:
        if self.archive is not None:
            self.archive.add(response, self.name)

    def _settle(
        self, url: str, before: UrlState | None, status: int | None, stamp: str | None,
        validators: Any = None, sha: str | None = None, keep_validators: bool = False,
    ) -> None:
        """Write what this try learnt about `url` into the state (earlier validators and hash kept unless replaced)."""
        before = before or UrlState(url)
        etag, modified = (before.etag, before.last_modified) if keep_validators else (
            (validators.etag, validators.last_modified) if validators is not None else (None, None)
        )
        self.state.put(
            UrlState(
                url=url, source=self.name, etag=etag, last_modified=modified, entry_stamp=stamp,
                content_sha256=sha or before.content_sha256, last_status=status, last_fetched_at=self.fetcher.clock.now(),
            )
        )


def _metadata(markup: str) -> dict[str, str]:
    """trafilatura's title and date of a page (empty when it finds none)."""
    import trafilatura

    meta = trafilatura.extract_metadata(markup)
    if meta is None:
        return {}
    return {k: v for k in ("title", "date") if (v := getattr(meta, k, None))}


def sources_from_config(
    config: SourcesConfig, state: FetchState, archive: ResponseArchive | None = None, clock: Clock | None = None
) -> list[ArticleSource]:
    """One FetchSource per configured source, in file order, sharing one polite Fetcher (robots.txt, host delays)."""
    fetcher = Fetcher(config.fetch, clock)
    return [FetchSource(source, fetcher, state, archive) for source in config.sources]
