"""Fetching feeds and pages from a real local HTTP server: every URL ends as a record, a quarantine row, or unchanged."""

from __future__ import annotations

import gzip
import json
import socket
from datetime import timedelta
from email.utils import format_datetime

import pytest

from conflict_events.sources_config import FetchSettings, SourceConfig, SourcesConfig
from tasks.ingest.fetch import Fetcher, FetchState, ResponseArchive, sources_from_config
from tests.tasks.fetch.fetch_fixtures import HTML, KONDUGA, MOGADISHU, article, clock, only_row, server, settings, source, split  # noqa: F401
from tests.tasks.fetch.server import LocalServer, Reply


def rss(server: LocalServer, items: list[tuple[str, str, str | None, str]]) -> bytes:
    """An RSS 2.0 feed of (title, guid, link path or None, pubDate) items."""
    parts = []
    for title, guid, path, date in items:
        link = f"<link>{server.url(path)}</link>" if path else ""
        parts.append(f"<item><title>{title}</title>{link}<guid isPermaLink='false'>{guid}</guid><pubDate>{date}</pubDate></item>")
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Example Wire</title>"
        f"<link>{server.base}/</link><description>Wire copy</description>{''.join(parts)}</channel></rss>"
    ).encode("utf-8")


def atom(entries: list[tuple[str, str, str, str]]) -> bytes:
    """An Atom feed of (title, id, href, updated) entries (hrefs may be relative to the feed)."""
    parts = "".join(
        f"<entry><title>{t}</title><id>{i}</id><link href='{h}'/><updated>{u}</updated></entry>" for t, i, h, u in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Example Atom</title>"
        f"<id>urn:example:feed</id><updated>2024-05-06T12:00:00Z</updated>{parts}</feed>"
    ).encode("utf-8")


# -- feeds ------------------------------------------------------------------------------------------------


def test_rss_feed(server, clock):
    feed = server.route("/rss.xml", Reply(200, rss(server, [
        ("Gunmen kill five in Konduga", "wire-1", "/a/1", "Mon, 06 May 2024 10:00:00 GMT"),
        ("Suicide bomber strikes Mogadishu", "wire-2", "/a/2", "Mon, 06 May 2024 11:30:00 GMT"),
        ("A story without a link", "wire-3", None, "Mon, 06 May 2024 12:00:00 GMT"),
    ]), {"Content-Type": "application/rss+xml"}))
    server.route("/a/1", Reply(200, KONDUGA, HTML))
    server.route("/a/2", Reply(200, MOGADISHU, HTML))
    state = FetchState()
    src = source("feed", feed, clock, state)
    records, rows = split(list(src.read()))
    assert [r.source_ref for r in records] == ["wire-1", "wire-2"]
    first = records[0]
    assert first.url == server.url("/a/1") and first.title == "Gunmen kill five in Konduga"
    assert first.published == "2024-05-06" and first.source == "test" and first.has_own_id
    assert "Konduga in Borno State" in first.text and "Copyright" not in first.text
    assert first.extra["feed"] == feed and first.extra["country"] == "Nigeria" and first.extra["language"] == "en"
    assert len(first.extra["content_sha256"]) == 64 and first.extra["fetched_at"].endswith("+00:00")
    assert "replaces_url" not in first.extra
    assert [(r.record_ref, r.reason) for r in rows] == [("wire-3", "entry_without_link")]
    assert src.counts == {"records": 2, "quarantined": 1}
    assert {row.url for row in state} == {feed, server.url("/a/1"), server.url("/a/2")}
    assert state.get(server.url("/a/1")).entry_stamp == "Mon, 06 May 2024 10:00:00 GMT"


def test_atom_feed(server, clock):
    feed = server.route("/atom.xml", Reply(200, atom([
        ("Mogadishu checkpoint attack", "urn:uuid:0001", server.url("/b/1"), "2024-05-06T12:00:00Z"),
        ("Konduga attack", "urn:uuid:0002", "/b/2", "2024-05-06T13:00:00Z"),  # relative: resolved against the feed
    ]), {"Content-Type": "application/atom+xml"}))
    server.route("/b/1", Reply(200, MOGADISHU, HTML))
    server.route("/b/2", Reply(200, KONDUGA, HTML))
    records, rows = split(list(source("feed", feed, clock).read()))
    assert not rows
    assert [(r.source_ref, r.url, r.published) for r in records] == [
        ("urn:uuid:0001", server.url("/b/1"), "2024-05-06"),
        ("urn:uuid:0002", server.url("/b/2"), "2024-05-06"),
    ]
    assert "parliament in Mogadishu" in records[0].text


@pytest.mark.parametrize("body, content_type", [
    (b"\x00\x01 not xml <<<", "application/rss+xml"),
    (b"<html><body><p>Our feed has moved.</p></body></html>", "text/html"),
    (b"", "application/rss+xml"),
], ids=["garbage", "html_page", "empty"])
def test_feed_unreadable(server, clock, body, content_type):
    feed = server.route("/broken.xml", Reply(200, body, {"Content-Type": content_type}))
    row = only_row(list(source("feed", feed, clock).read()))
    assert row.reason == "feed_unreadable" and "feedparser" in row.detail
    assert json.loads(row.payload)["url"] == feed


def test_truncated_feed_keeps_what_it_can(server, clock):
    feed = server.route("/cut.xml", Reply(200, rss(server, [("Konduga", "wire-1", "/a/1", "Mon, 06 May 2024 10:00:00 GMT")])[:-30],
                                          {"Content-Type": "application/rss+xml"}))
    server.route("/a/1", Reply(200, KONDUGA, HTML))
    records, rows = split(list(source("feed", feed, clock).read()))
    assert [r.source_ref for r in records] == ["wire-1"] and not rows


def test_second_tick_fetches_no_unchanged_page(server, clock):
    feed = server.route("/rss.xml", Reply(200, rss(server, [
        ("Konduga", "wire-1", "/a/1", "Mon, 06 May 2024 10:00:00 GMT"),
        ("Mogadishu", "wire-2", "/a/2", "Mon, 06 May 2024 11:00:00 GMT"),
    ]), {"Content-Type": "application/rss+xml"}))  # no validators: the feed itself comes whole every time
    server.route("/a/1", Reply(200, KONDUGA, HTML))
    server.route("/a/2", Reply(200, MOGADISHU, HTML))
    state = FetchState()
    assert len(split(list(source("feed", feed, clock, state).read()))[0]) == 2
    # The next run: a new fetcher (robots.txt again), the state as the lake gives it back.
    state = FetchState.from_table(state.to_table())
    second = source("feed", feed, clock, state)
    assert list(second.read()) == []
    assert second.counts == {"skipped": 2}
    assert server.hits["/rss.xml"] == 2 and server.hits["/a/1"] == 1 and server.hits["/a/2"] == 1


def test_updated_entry_is_fetched_again_and_flagged(server, clock):
    stamps = ["2024-05-06T12:00:00Z", "2024-05-07T08:00:00Z"]
    server.route("/atom.xml", lambda headers, hit: Reply(200, atom([
        ("Konduga attack", "urn:uuid:0001", "/b/1", stamps[min(hit, 2) - 1]),
        ("Mogadishu attack", "urn:uuid:0002", "/b/2", "2024-05-06T09:00:00Z"),
    ]), {"Content-Type": "application/atom+xml"}))
    corrected = KONDUGA.replace(b"killed five villagers", b"killed seven villagers")
    server.route("/b/1", [Reply(200, KONDUGA, HTML), Reply(200, corrected, HTML)])
    server.route("/b/2", Reply(200, MOGADISHU, HTML))
    state = FetchState()
    first, _ = split(list(source("feed", server.url("/atom.xml"), clock, state).read()))
    again = source("feed", server.url("/atom.xml"), clock, state)
    records, rows = split(list(again.read()))
    assert not rows and len(records) == 1
    update = records[0]
    assert update.source_ref == "urn:uuid:0001" and "seven villagers" in update.text
    assert update.extra["replaces_url"] == server.url("/b/1")
    assert update.extra["replaces_sha256"] == first[0].extra["content_sha256"] != update.extra["content_sha256"]
    assert again.counts == {"records": 1, "skipped": 1}
    assert server.hits["/b/1"] == 2 and server.hits["/b/2"] == 1


def test_updated_stamp_with_same_text_is_unchanged(server, clock):
    stamps = ["2024-05-06T12:00:00Z", "2024-05-07T08:00:00Z"]
    server.route("/atom.xml", lambda headers, hit: Reply(200, atom([("Konduga", "urn:1", "/b/1", stamps[min(hit, 2) - 1])]), {}))
    server.route("/b/1", Reply(200, KONDUGA, HTML))
    state = FetchState()
    assert len(list(source("feed", server.url("/atom.xml"), clock, state).read())) == 1
    again = source("feed", server.url("/atom.xml"), clock, state)
    assert list(again.read()) == [] and again.counts == {"unchanged": 1}
    assert state.get(server.url("/b/1")).entry_stamp == stamps[1]


def test_entry_that_failed_for_a_passing_reason_is_tried_next_run(server, clock):
    server.route("/rss.xml", Reply(200, rss(server, [("Konduga", "wire-1", "/a/1", "Mon, 06 May 2024 10:00:00 GMT")]),
                                   {"Content-Type": "application/rss+xml", "ETag": '"feed-v1"'}))
    server.route("/a/1", [Reply(500), Reply(500), Reply(500), Reply(200, KONDUGA, HTML)])
    state = FetchState()
    assert only_row(list(source("feed", server.url("/rss.xml"), clock, state).read())).reason == "http_500"
    assert state.get(server.url("/rss.xml")).etag is None  # the feed is asked for whole next time
    records, rows = split(list(source("feed", server.url("/rss.xml"), clock, state).read()))
    assert len(records) == 1 and not rows


# -- conditional requests ---------------------------------------------------------------------------------


def test_304_on_second_fetch(server, clock):
    stamp = "Mon, 06 May 2024 10:00:00 GMT"

    def page(headers, hit):
        if headers.get("if-none-match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(200, KONDUGA, {**HTML, "ETag": '"v1"', "Last-Modified": stamp})

    url = server.route("/page", page)
    state = FetchState()
    assert len(split(list(source("page", url, clock, state).read()))[0]) == 1
    assert server.requests["/page"][0].get("if-none-match") is None
    second = source("page", url, clock, state)
    assert list(second.read()) == [] and second.counts == {"unchanged": 1}
    sent = server.requests["/page"][1]
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == stamp
    row = state.get(url)
    assert (row.etag, row.last_modified, row.last_status) == ('"v1"', stamp, 304)


# -- retries ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["seconds", "http_date"])
def test_429_with_retry_after_then_success(server, clock, form):
    after = "3" if form == "seconds" else format_datetime(clock.now() + timedelta(seconds=10), usegmt=True)
    url = server.route("/busy", [Reply(429, b"slow down", {"Retry-After": after}), Reply(200, KONDUGA, HTML)])
    records, rows = split(list(source("page", url, clock, per_host_delay_seconds=0).read()))
    assert len(records) == 1 and not rows and server.hits["/busy"] == 2
    waited = clock.sleeps[-1]
    assert waited == 3.0 if form == "seconds" else 8 <= waited <= 10


def test_429_past_the_cap(server, clock):
    url = server.route("/busy", Reply(429, b"come back tomorrow", {"Retry-After": "3600"}))
    row = only_row(list(source("page", url, clock).read()))
    assert row.reason == "http_429" and "3600" in row.detail
    assert server.hits["/busy"] == 1 and max(clock.sleeps, default=0) < 3600
    payload = json.loads(row.payload)
    assert payload["status"] == 429 and payload["headers"]["retry-after"] == "3600" and payload["source"] == "test"


def test_503_retried_with_backoff(server, clock):
    url = server.route("/flaky", [Reply(503), Reply(503), Reply(200, KONDUGA, HTML)])
    records, _ = split(list(source("page", url, clock, per_host_delay_seconds=0).read()))
    assert len(records) == 1 and server.hits["/flaky"] == 3
    assert clock.sleeps == [0.5, 1.0]  # backoff_seconds, doubled
    down = server.route("/down", Reply(503, b"maintenance"))
    row = only_row(list(source("page", down, clock, per_host_delay_seconds=0).read()))
    assert row.reason == "http_503" and server.hits["/down"] == 3  # the first try and two retries


def test_timeout(server, clock):
    url = server.route("/slow", Reply(200, KONDUGA, HTML, delay=1.5))
    row = only_row(list(source("page", url, clock, timeout_seconds=0.4).read()))
    assert row.reason == "timeout" and "0.4 s" in row.detail
    assert server.hits["/slow"] == 1  # a slow server is not asked again in the same run


# -- redirects --------------------------------------------------------------------------------------------


def test_redirect_followed(server, clock):
    url = server.route("/old", Reply(301, redirect="/new"))
    server.route("/new", Reply(200, KONDUGA, HTML))
    archive = ResponseArchive()
    records, _ = split(list(source("page", url, clock, archive=archive).read()))
    assert records[0].url == server.url("/new") and records[0].source_ref == url
    table = archive.to_table().to_pylist()
    assert [(r["url"], r["final_url"]) for r in table] == [(url, server.url("/new"))]


def test_redirect_loop(server, clock):
    url = server.route("/loop", Reply(302, redirect="/loop"))
    row = only_row(list(source("page", url, clock, max_redirects=3).read()))
    assert row.reason == "too_many_redirects" and "more than 3 redirects" in row.detail
    assert server.hits["/loop"] == 4


# -- robots.txt -------------------------------------------------------------------------------------------


def test_robots_disallowed(server, clock):
    # Our own group applies to us instead of the `*` one (RFC 9309): /others-only/ is open to us, /no-bots/ is not.
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /others-only/\n\nUser-agent: conflict-events\nDisallow: /no-bots/\n",
                                      {"Content-Type": "text/plain"}))
    for path in ("/no-bots/a", "/others-only/a", "/public/a"):
        server.route(path, Reply(200, KONDUGA, HTML))
    fetcher = Fetcher(settings(user_agent="conflict-events/0.1.0 (tests)"), clock)
    ours, others, public = (source("page", server.url(p), clock, fetcher=fetcher) for p in ("/no-bots/a", "/others-only/a", "/public/a"))
    row = only_row(list(ours.read()))
    assert row.reason == "robots_disallowed" and "/no-bots/a" in row.detail
    assert len(split(list(others.read()))[0]) == 1
    assert len(split(list(public.read()))[0]) == 1
    assert server.hits["/no-bots/a"] == 0  # no request at all
    assert server.hits["/robots.txt"] == 1  # once per run, not once per source


def test_robots_star_group(server, clock):
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    url = server.route("/private/a", Reply(200, KONDUGA, HTML))
    assert only_row(list(source("page", url, clock).read())).reason == "robots_disallowed"
    assert server.hits["/private/a"] == 0


def test_robots_redirect_target_is_checked(server, clock):
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    url = server.route("/go", Reply(302, redirect="/private/x"))
    assert only_row(list(source("page", url, clock).read())).reason == "robots_disallowed"
    assert server.hits["/private/x"] == 0


def test_robots_crawl_delay_slows_the_host(server, clock):
    server.route("/robots.txt", Reply(200, b"User-agent: *\nCrawl-delay: 7\n", {"Content-Type": "text/plain"}))
    url = server.route("/a", Reply(200, KONDUGA, HTML))
    list(source("page", url, clock).read())
    assert clock.sleeps == [7.0]


def test_robots_server_error_refuses_the_origin(server, clock):
    server.route("/robots.txt", Reply(500))
    url = server.route("/a", Reply(200, KONDUGA, HTML))
    row = only_row(list(source("page", url, clock).read()))
    assert row.reason == "robots_unavailable" and server.hits["/a"] == 0


# -- page contents ----------------------------------------------------------------------------------------


def test_broken_html(server, clock):
    broken = (b"<html><body><div><p>Gunmen killed five villagers in Konduga on Sunday, residents said"
              b"<p>The attackers fled into the bush <b>before dawn</div></span></table><p>Police confirmed the attack")
    url = server.route("/broken", Reply(200, broken, HTML))
    records, _ = split(list(source("page", url, clock).read()))
    assert "Gunmen killed five villagers" in records[0].text
    empty = server.route("/empty", Reply(200, b"<html><head><script>var x = 1;</script></head><body>  </body></html>", HTML))
    row = only_row(list(source("page", empty, clock).read()))
    assert row.reason == "no_text"


def test_page_in_another_language(server, clock):
    french = article(
        "Des hommes armés tuent cinq villageois à Konduga",
        "Des hommes armés ont tué cinq villageois dans la ville de Konduga, dans l'État de Borno, dimanche, selon des habitants.",
        "Les assaillants sont arrivés à moto en fin de soirée et ont incendié plusieurs maisons avant de s'enfuir dans la brousse.",
        "Un porte-parole de la police de l'État a confirmé l'attaque et déclaré que des forces de sécurité avaient été déployées.",
    ).decode("utf-8").encode("iso-8859-1")
    url = server.route("/fr", Reply(200, french, {"Content-Type": "text/html; charset=iso-8859-1"}))
    records, _ = split(list(source("page", url, clock, language="fr").read()))
    record = records[0]
    assert "Des hommes armés ont tué cinq villageois" in record.text
    assert record.extra["language"] == "fr" and record.title.startswith("Des hommes armés")


@pytest.mark.parametrize("content_length", [True, False], ids=["with_content_length", "without_content_length"])
def test_huge_page(server, clock, content_length):
    huge = b"<html><body>" + b"<p>filler text of a page far too large</p>" * 10_000 + b"</body></html>"
    url = server.route("/huge", Reply(200, huge, HTML, content_length=content_length))
    archive = ResponseArchive()
    row = only_row(list(source("page", url, clock, archive=archive, max_bytes=100_000).read()))
    assert row.reason == "too_big" and len(archive) == 0
    assert ("Content-Length" in row.detail) is content_length and "100000-byte limit" in row.detail


def test_gzip_bomb_is_too_big_by_decoded_size(server, clock):
    bomb = gzip.compress(b"<html><body>" + b" " * 5_000_000 + b"</body></html>")
    assert len(bomb) < 100_000
    url = server.route("/bomb", Reply(200, bomb, {**HTML, "Content-Encoding": "gzip"}))
    row = only_row(list(source("page", url, clock, max_bytes=100_000).read()))
    assert row.reason == "too_big" and "decoded" in row.detail


def test_gzip_page(server, clock):
    url = server.route("/gz", Reply(200, gzip.compress(KONDUGA), {**HTML, "Content-Encoding": "gzip"}))
    archive = ResponseArchive()
    records, _ = split(list(source("page", url, clock, archive=archive).read()))
    assert "Konduga in Borno State" in records[0].text
    assert server.requests["/gz"][0]["accept-encoding"] == "gzip, deflate"
    assert archive.to_table().column("body").to_pylist() == [KONDUGA]  # kept decoded


def test_404(server, clock):
    row = only_row(list(source("page", server.url("/gone"), clock).read()))
    assert row.reason == "http_404" and json.loads(row.payload)["status"] == 404


def test_not_html(server, clock):
    url = server.route("/report.pdf", Reply(200, b"%PDF-1.7 " + b"x" * 1000, {"Content-Type": "application/pdf"}))
    archive = ResponseArchive()
    row = only_row(list(source("page", url, clock, archive=archive).read()))
    assert row.reason == "not_html" and "application/pdf" in row.detail and len(archive) == 0


def test_user_agent_names_the_project(server, clock):
    url = server.route("/a", Reply(200, KONDUGA, HTML))
    config = SourcesConfig((SourceConfig("ua", "page", url),), FetchSettings(per_host_delay_seconds=0))
    list(sources_from_config(config, FetchState(), None, clock)[0].read())
    assert server.requests["/a"][0]["user-agent"].startswith("conflict-events/")


# -- network failures -------------------------------------------------------------------------------------


def test_dns_error(clock):
    row = only_row(list(source("page", "http://news.example.invalid/a", clock).read()))
    assert row.reason == "dns_error" and "news.example.invalid" in row.detail
    assert clock.sleeps == []  # a name that does not resolve is not retried


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bad_source_does_not_stop_the_next(server, clock):
    good = server.route("/a", Reply(200, KONDUGA, HTML))
    config = SourcesConfig((
        SourceConfig("unreachable", "feed", f"http://127.0.0.1:{_closed_port()}/rss.xml"),
        SourceConfig("no-host", "page", "http://wire.example.invalid/story"),
        SourceConfig("good", "page", good),
    ), settings())
    items = [(s.name, i) for s in sources_from_config(config, FetchState(), ResponseArchive(), clock) for i in s.read()]
    assert [(name, getattr(i, "reason", "record")) for name, i in items] == [
        ("unreachable", "connection_error"), ("no-host", "dns_error"), ("good", "record"),
    ]


def test_failure_inside_a_source_is_a_row(server, clock):
    class Broken(Fetcher):
        def get(self, *args, **kwargs):
            raise RuntimeError("boom")

    src = source("page", server.url("/a"), clock, fetcher=Broken(settings(), clock))
    row = only_row(list(src.read()))
    assert row.reason == "source_failed" and "boom" in row.detail


# -- politeness between hosts -----------------------------------------------------------------------------


def test_per_host_delay(server, clock):
    for path in ("/1", "/2", "/3"):
        server.route(path, Reply(200, KONDUGA, HTML))
    fetcher = Fetcher(settings(per_host_delay_seconds=5), clock)
    for url in (server.url("/1"), server.url("/2"), server.url("/3", host="localhost")):
        assert len(split(list(source("page", url, clock, fetcher=fetcher).read()))[0]) == 1
    # 127.0.0.1: robots.txt, then /1 five seconds later, /2 five more; localhost: its robots.txt at once, /3 after five.
    assert clock.sleeps == [5.0, 5.0, 5.0]
    assert server.hits["/robots.txt"] == 2  # one per origin


# -- folders ----------------------------------------------------------------------------------------------


def test_folder_source(clock):
    from conftest import SAMPLES

    records, rows = split(list(source("folder", str(SAMPLES), clock).read()))
    assert len(records) > 10 and all(r.source for r in records)
    assert {r.extra["country"] for r in records} == {"Nigeria"}
    assert all(r.stage == "ingest" for r in rows)  # data/samples/bad: files that fail on purpose
