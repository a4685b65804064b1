"""Two hourly ticks of the pipeline against a local news server holding 200 feed items.

The server (a real ThreadingHTTPServer on 127.0.0.1) carries an Atom feed of 180 stories and failures and
an RSS feed of 20 wire copies by another outlet. Between the ticks 5 stories are updated (a new <updated>
stamp and a raised toll under the same URL) and 5 new stories appear. The second tick must fetch no
unchanged page; afterwards every item is an article, a duplicate link or a quarantine row, and each
incident is counted once.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import read_current
from tests.tasks.fetch.server import LocalServer, Reply

pytestmark = pytest.mark.slow

HTML = {"Content-Type": "text/html; charset=utf-8"}
TOWNS = [
    ("Maiduguri", "Nigeria"), ("Kaduna", "Nigeria"), ("Sokoto", "Nigeria"), ("Mogadishu", "Somalia"), ("Kismayo", "Somalia"),
    ("Baidoa", "Somalia"), ("Mandera", "Kenya"), ("Garissa", "Kenya"), ("Gondar", "Ethiopia"), ("Dessie", "Ethiopia"),
    ("El Fasher", "Sudan"), ("Nyala", "Sudan"), ("Kassala", "Sudan"), ("Gao", "Mali"), ("Mopti", "Mali"), ("Timbuktu", "Mali"),
    ("Djibo", "Burkina Faso"), ("Kaya", "Burkina Faso"), ("Diffa", "Niger"), ("Agadez", "Niger"), ("Maroua", "Cameroon"),
    ("Bamenda", "Cameroon"), ("Idlib", "Syria"), ("Aleppo", "Syria"), ("Homs", "Syria"), ("Hama", "Syria"), ("Raqqa", "Syria"),
    ("Mosul", "Iraq"), ("Kirkuk", "Iraq"), ("Tikrit", "Iraq"), ("Ramadi", "Iraq"), ("Taiz", "Yemen"), ("Marib", "Yemen"),
    ("Hodeidah", "Yemen"), ("Kunduz", "Afghanistan"), ("Jalalabad", "Afghanistan"), ("Herat", "Afghanistan"),
    ("Peshawar", "Pakistan"), ("Quetta", "Pakistan"), ("Bannu", "Pakistan"), ("Lashio", "Myanmar"), ("Myitkyina", "Myanmar"),
    ("Sittwe", "Myanmar"), ("Kharkiv", "Ukraine"), ("Kherson", "Ukraine"), ("Zaporizhzhia", "Ukraine"), ("Sumy", "Ukraine"),
    ("Cucuta", "Colombia"), ("Tumaco", "Colombia"), ("Pemba", "Mozambique"), ("Goma", "Democratic Republic of the Congo"),
    ("Bunia", "Democratic Republic of the Congo"), ("Beni", "Democratic Republic of the Congo"), ("Juba", "South Sudan"),
    ("Malakal", "South Sudan"),
]
NAMES = ["Amina Yusuf", "Omar Haddad", "Lena Petrenko", "Carlos Rojas", "Fatima Diallo", "Ahmed Karimi", "Thant Zin", "Grace Achieng",
         "Yusuf Bello", "Mariam Saleh", "Ivan Melnyk", "Ana Lucia Mora", "Ibrahim Toure", "Nadia Rahimi", "Peter Lokuji"]
WORDS = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]


@dataclass
class Story:
    """One incident as its first outlet tells it; `toll` may be raised by an update."""

    number: int
    town: str
    country: str
    day: date
    toll: int
    kind: int
    spokesman: str
    resident: str
    updated: bool = False
    extra: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/news/story-{self.number:03d}.html"

    @property
    def when(self) -> str:
        return f"{self.day:%B} {self.day.day}"

    def paragraphs(self) -> list[str]:
        toll = WORDS[self.toll - 2] if 2 <= self.toll <= 12 else str(self.toll)
        first = [
            f"Gunmen killed {toll} villagers in an attack on {self.town}, {self.country}, on {self.when}, local officials said.",
            f"An air strike hit a crowded market in {self.town}, {self.country}, on {self.when}, killing {toll} civilians, officials said.",
            f"Government soldiers fought rebel fighters on the outskirts of {self.town}, {self.country}, on {self.when}, and {toll} soldiers were killed.",
        ][self.kind]
        if self.updated:
            first = first.replace(f" {toll} ", f" {WORDS[self.toll + 2] if self.toll + 4 <= 12 else self.toll + 4} ")
            first += f" The toll in {self.town} rose overnight as more bodies were found."
        pick = random.Random(self.number).choice  # every story worded its own way: stories must not look like copies of each other
        return [
            first,
            f"{self.resident}, {pick(['who lives in', 'a trader from', 'a teacher in', 'a farmer near'])} {self.town}, said "
            f"{pick(['families', 'many residents', 'dozens of households', 'shopkeepers'])} {pick(['had begun to', 'were preparing to', 'had started to'])} "
            f"{pick(['leave for', 'move to', 'seek shelter in'])} {pick(['safer districts', 'nearby villages', 'the provincial capital', 'camps'])} "
            f"after the {self.when} violence.",
            f"{self.spokesman}, {pick(['a spokesman for', 'an official with', 'a senior figure in'])} the {pick(['regional', 'provincial', 'district'])} "
            f"{pick(['authorities', 'administration', 'government'])} in {self.town}, said {pick(['an investigation', 'an inquiry', 'a search operation'])} "
            f"{pick(['was under way', 'had begun', 'would start soon'])}.",
            f"{pick(['Hospitals', 'Clinics', 'Medical staff'])} in {self.town} {pick(['asked for', 'appealed for', 'called for'])} "
            f"{pick(['blood donations', 'more supplies', 'urgent help'])}, and {pick(['aid groups', 'charities', 'relief workers'])} "
            f"{pick(['working near', 'based in', 'operating around'])} {self.town} {pick(['suspended', 'halted', 'stopped'])} "
            f"{pick(['road travel', 'convoys', 'field visits'])} {pick(['until further notice', 'for the week', 'for now'])}.",
            f"No {pick(['group', 'armed faction', 'organisation'])} has {pick(['said it carried out', 'claimed', 'taken responsibility for'])} "
            f"the {self.when} {pick(['attack', 'violence', 'bloodshed'])} in {self.town}, which came {pick(['weeks', 'days', 'a month'])} after "
            f"{pick(['the authorities', 'officials', 'ministers'])} in {self.country} {pick(['promised', 'pledged', 'announced'])} "
            f"{pick(['more troops', 'extra police', 'new patrols'])} for the {pick(['district', 'area', 'region'])}.",
            *self.extra,
        ]

    def title(self) -> str:
        return f"Deadly violence in {self.town} on {self.when}"

    def page(self) -> bytes:
        body = "".join(f"<p>{p}</p>" for p in self.paragraphs())
        return (
            f"<!doctype html><html><head><title>{self.title()}</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>{self.title()}</h1>{body}</article><footer>Copyright Example Daily</footer></body></html>"
        ).encode()

    def copy_page(self) -> bytes:
        """The wire copy another outlet runs: its own headline, a dateline and a sign-off around the same text."""
        paragraphs = self.paragraphs()
        paragraphs[0] = f"{self.town.upper()}, {self.when} (Example Wire) - " + paragraphs[0]
        paragraphs.append(f"(Reporting by {NAMES[self.number % len(NAMES)]}; editing by {NAMES[(self.number + 3) % len(NAMES)]})")
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        title = f"{self.country}: {self.town} hit by deadly attack"
        return f"<!doctype html><html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>".encode()


def stories(count: int) -> list[Story]:
    chance = random.Random(15)
    out = []
    for number in range(count):
        town, country = TOWNS[number % len(TOWNS)]
        out.append(
            Story(
                number, town, country, date(2025, 1, 1) + timedelta(days=3 * number), chance.randint(2, 8), number % 3,
                chance.choice(NAMES), chance.choice([n for n in NAMES]),
            )
        )
    return out


FAILURES = (
    [("http_404", f"/news/missing-{i}.html", Reply(404, b"gone", {"Content-Type": "text/plain"})) for i in range(5)]
    + [("robots_disallowed", f"/private/story-{i}.html", Reply(200, b"<html><body><p>never fetched</p></body></html>", HTML)) for i in range(3)]
    + [("not_html", f"/files/report-{i}.pdf", Reply(200, b"%PDF-1.7 binary", {"Content-Type": "application/pdf"})) for i in range(3)]
    + [("too_big", f"/news/huge-{i}.html", Reply(200, b"<html><body><p>" + b"word " * 80_000 + b"</p></body></html>", HTML)) for i in range(2)]
    + [("no_text", f"/news/blank-{i}.html", Reply(200, b"<html><head><script>var x = 1;</script></head><body></body></html>", HTML)) for i in range(2)]
)


def atom(server: LocalServer, entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed of (path, title, updated) entries."""
    items = "".join(
        f"<entry><id>{server.url(path)}</id><title>{title}</title><link href='{server.url(path)}'/><updated>{updated}</updated></entry>"
        for path, title, updated in entries
    )
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>Example Daily</title>"
            f"<id>{server.url('/feeds/daily.atom')}</id><updated>2026-01-01T00:00:00Z</updated>{items}</feed>").encode()


def rss(server: LocalServer, entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f"<item><title>{t}</title><link>{server.url(p)}</link><guid>{server.url(p)}</guid><pubDate>{d}</pubDate></item>" for p, t, d in entries)
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Example Wire</title><link>{server.base}</link>{items}</channel></rss>".encode()


def with_etag(body: bytes, tag: str):
    """A route that answers 304 to a request carrying its ETag."""
    return lambda headers, hit: Reply(304, b"", {"ETag": tag}) if headers.get("if-none-match") == tag else Reply(200, body, {"Content-Type": "application/xml", "ETag": tag})


@pytest.fixture(scope="module")
def news_server():
    httpd = LocalServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def stamp(day: date, hour: int = 12) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


@pytest.fixture(scope="module")
def two_ticks(prefect_server, news_server, tmp_path_factory):
    from flows.pipeline import pipeline

    server, root = news_server, tmp_path_factory.mktemp("two-ticks")
    everything = stories(165)
    first, later = everything[:160], everything[160:]
    copied = first[::8]  # 20 stories another outlet runs as wire copies
    updated = first[3:53:10]  # 5 stories updated between the ticks
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    for story in everything:
        server.route(story.path, Reply(200, story.page(), HTML))
    for story in copied:
        server.route(f"/wire{story.path}", Reply(200, story.copy_page(), HTML))
    for _reason, path, reply in FAILURES:
        server.route(path, reply)
    entries = [(s.path, s.title(), stamp(s.day + timedelta(days=1))) for s in first]
    entries += [(path, f"Item {path}", stamp(date(2025, 6, 1))) for _reason, path, _reply in FAILURES]
    server.route("/feeds/daily.atom", with_etag(atom(server, entries), '"daily-1"'))
    server.route("/feeds/wire.rss", with_etag(rss(server, [(f"/wire{s.path}", s.title(), f"{s.day + timedelta(days=1):%a, %d %b %Y} 10:00:00 GMT") for s in copied]), '"wire-1"'))
    sources = root / "sources.toml"
    sources.write_text(
        "[fetch]\nper_host_delay_seconds = 0\nmax_bytes = 200_000\nretries = 0\n\n"
        f"[[source]]\nname = \"example-daily\"\nfeed = \"{server.url('/feeds/daily.atom')}\"\n\n"
        f"[[source]]\nname = \"example-wire\"\nfeed = \"{server.url('/feeds/wire.rss')}\"\n"
    )
    lake = root / "lake"
    tick1 = pipeline(inputs=[], lake=str(lake), sources=str(sources))
    hits_after_first = Counter(server.hits)

    for story in updated:  # the same URL, a raised toll, a new <updated> stamp
        story.updated = True
        server.route(story.path, Reply(200, story.page(), HTML))
    changed = {s.path: stamp(s.day + timedelta(days=2), 18) for s in updated}
    entries = [(path, title, changed.get(path, when)) for path, title, when in entries]
    entries += [(s.path, s.title(), stamp(s.day + timedelta(days=1))) for s in later]
    server.route("/feeds/daily.atom", with_etag(atom(server, entries), '"daily-2"'))
    tick2 = pipeline(inputs=[], lake=str(lake), sources=str(sources))
    return {
        "server": server, "lake": lake, "tick1": tick1, "tick2": tick2, "hits1": hits_after_first, "hits2": Counter(server.hits),
        "stories": everything, "copied": copied, "updated": updated, "later": later,
    }


def test_the_second_tick_fetches_only_new_and_updated_pages(two_ticks):
    hits1, hits2 = two_ticks["hits1"], two_ticks["hits2"]
    fetched_again = {path for path in hits2 if path.startswith(("/news/", "/wire/", "/files/", "/private/")) and hits2[path] > hits1[path]}
    assert fetched_again == {s.path for s in two_ticks["updated"]} | {s.path for s in two_ticks["later"]}
    assert hits2["/feeds/wire.rss"] == hits1["/feeds/wire.rss"] + 1  # asked for, answered 304
    assert all(hits1[path] == 0 for _reason, path, _reply in FAILURES if path.startswith("/private/"))  # robots.txt honoured
    assert two_ticks["tick2"].fetched["records"] == 10 and two_ticks["tick2"].fetched.get("quarantined", 0) == 0


def test_every_item_is_an_article_a_duplicate_link_or_a_quarantine_row(two_ticks):
    lake, server = two_ticks["lake"], two_ticks["server"]
    articles = read_current(lake, "articles").table.to_pylist()
    links = read_current(lake, "duplicate_links").table.to_pylist()
    quarantine = read_current(lake, "quarantine").table.to_pylist()
    by_url = {a["url"]: a for a in articles}
    assert len(articles) == 165 + 20 and len(by_url) == len(articles)  # the 5 updates replaced their first versions
    for story in two_ticks["stories"]:
        assert story.paragraphs()[0][:60] in by_url[server.url(story.path)]["text"]
    for story in two_ticks["updated"]:
        assert "rose overnight" in by_url[server.url(story.path)]["text"]
    original_of = {link["article_id"]: link["original_article_id"] for link in links}
    assert len(links) == 20
    for story in two_ticks["copied"]:
        assert original_of[by_url[server.url(f"/wire{story.path}")]["article_id"]] == by_url[server.url(story.path)]["article_id"]
    failed = Counter(row["reason"] for row in quarantine)
    assert failed == Counter(reason for reason, _path, _reply in FAILURES)
    assert {row["stage"] for row in quarantine} == {"ingest"}
    assert two_ticks["tick2"].updated == 5 and two_ticks["tick1"].copies == 20


def test_each_incident_is_counted_once(two_ticks):
    lake, server = two_ticks["lake"], two_ticks["server"]
    from conflict_events.incidents.merge import family_of

    articles = read_current(lake, "articles").table.to_pylist()
    events = read_current(lake, "events").table.to_pylist()
    incidents = read_current(lake, "incidents").table.to_pylist()
    story_of_url = {server.url(s.path): s.number for s in two_ticks["stories"]}
    story_of_url |= {server.url(f"/wire{s.path}"): s.number for s in two_ticks["copied"]}
    story_of_article = {a["article_id"]: story_of_url[a["url"]] for a in articles}
    story_of_event = {e["event_id"]: story_of_article[e["article_id"]] for e in events}
    family_of_event = {e["event_id"]: family_of(e["sub_event_type"]) for e in events}
    coded = {story_of_event[e["event_id"]] for e in events}
    assert len(coded) >= 150, f"the coder found events in only {len(coded)} of 165 stories"
    members = [event_id for incident in incidents for event_id in incident["event_ids"]]
    assert sorted(members) == sorted(story_of_event)  # every current event in exactly one incident; old versions' events in none
    for incident in incidents:
        assert len({story_of_event[e] for e in incident["event_ids"]}) == 1, incident["event_ids"]
    by_pair = Counter((story_of_event[i["event_ids"][0]], family_of_event[i["event_ids"][0]]) for i in incidents)
    split = {pair: [(i["sub_event_type"], i["admin1"], i["location"], str(i["event_date"])) for i in incidents
                    if (story_of_event[i["event_ids"][0]], family_of_event[i["event_ids"][0]]) == pair] for pair, n in by_pair.items() if n > 1}
    assert len(incidents) == len({(story_of_event[e], family_of_event[e]) for e in story_of_event}), split
    two_outlets = [i for i in incidents if i["source_names"] == ["example-daily", "example-wire"] and i["source_count"] == 2]
    assert len(two_outlets) >= 15  # an original and its wire copy: one incident, reported by two outlets
