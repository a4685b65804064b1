"""The analysts' report: what the data says, how far to trust it, nothing fetched and nothing from articles run as markup."""

from __future__ import annotations

import hashlib
import re

import pytest

from conflict_events.cli import main
from conflict_events.lake.factory import open_lake
from conflict_events.reports import ASSETS_DIR, lake_report
from conflict_events.reports.lake_report import read_snapshot, render, script_json

from conftest import HOSTILE_NOTE, publish_events_lake


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return publish_events_lake(tmp_path_factory.mktemp("lake"))


@pytest.fixture(scope="module")
def snapshot(lake):
    return read_snapshot(open_lake(str(lake)))


@pytest.fixture(scope="module")
def page(snapshot, lake):
    return render(snapshot, str(lake))


def test_headline_numbers_and_their_change_from_the_previous_version(snapshot):
    cards = {c["label"]: c for c in lake_report.headline(snapshot)}
    events = snapshot.events.to_pylist()
    first_version = [e for e in events if int(e["event_id"][:16], 16) < 25]
    total = sum(e["fatalities"] for e in events)
    assert (cards["events"]["value"], cards["events"]["change"]) == (40, 15)
    assert (cards["fatalities"]["value"], cards["fatalities"]["change"]) == (total, total - sum(e["fatalities"] for e in first_version))
    assert cards["countries"]["value"] == 6 and cards["quarantine rows"]["value"] == 2
    assert snapshot.previous_version == "v000001"


def test_every_chart_is_a_vega_lite_spec_with_its_data_inline(snapshot):
    specs = lake_report.charts(snapshot)
    assert {"timeline", "map", "top countries", "top admin1 regions", "top actors", "top sub-event types"} <= set(specs)
    text = script_json(specs)
    assert "vega-lite" in text and '"url"' not in text  # data given as values, never fetched
    located = {(e["latitude"], e["longitude"]) for e in snapshot.events.to_pylist() if e["latitude"] is not None}
    points = specs["map"]["datasets"][specs["map"]["layer"][1]["data"]["name"]]
    assert {(p["latitude"], p["longitude"]) for p in points} == located
    assert sum(p["fatalities"] for p in points) == sum(e["fatalities"] for e in snapshot.events.to_pylist() if e["latitude"] is not None)


def test_over_time_counts_every_dated_event_once(snapshot):
    frame = snapshot.events.to_pandas()
    rows, unit = lake_report.over_time(frame)
    assert unit == "month"  # the fixture's event dates span two years
    assert sum(r["events"] for r in rows) == frame["event_date"].notna().sum()


def test_article_values_are_escaped_and_cannot_end_a_script(page):
    assert HOSTILE_NOTE not in page and "window.__pwned" in page  # present, but only as escaped text
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned" in page
    assert "Wire &lt;b&gt;&amp;&lt;/b&gt; Co" in page and "&lt;b&gt;bad-1&lt;/b&gt;" in page
    assert len(re.findall(r"<script\b", page)) == 3  # the specs, the chart library, the page's own
    assert "<" not in script_json({"name": "</script><!-- x"}) and "\u2028" not in script_json("a\u2028b")


def test_the_page_loads_nothing_from_elsewhere(page):
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1", page, flags=re.S)  # the tags, not the library's own code
    tags = re.findall(r"<(?:script|link|img|iframe|object|embed)\b[^>]*>", markup)
    assert len(tags) == 3
    assert not [t for t in tags if re.search(r"(src|href)\s*=", t)]
    assert "default-src 'none'" in page  # and the browser refuses any request the page might still try


def test_data_quality_sections(snapshot, page):
    reasons = lake_report.quarantine_reasons(snapshot.quarantine)
    assert reasons == [{"reason": "clean:empty_text", "rows": 2, "record": "<b>bad-1</b>", "detail": "the text is <empty>"}]
    nulls = {n["field"]: n["missing"] for n in lake_report.null_rates(snapshot.events)}
    events = snapshot.events.to_pylist()
    assert nulls["event_date"] == sum(e["event_date"] is None for e in events) > 0
    assert nulls["latitude"] == sum(e["latitude"] is None for e in events) > 0
    bands = lake_report.confidence_bands(snapshot.events)
    assert sum(b["events"] for b in bands) == 40 and bands[0]["band"] == "0.9 and over"
    assert "27 of 30" not in page and "29 of 30" in page and "expect_x(latitude) ×1" in page


def test_newest_events_come_first_and_undated_last(snapshot):
    newest = lake_report.newest_events(snapshot.events, snapshot.sources)
    dates = [e["event_date"] for e in newest]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True) and dates[len(dated):] == [None] * (len(dates) - len(dated))
    assert len(lake_report.newest_events(snapshot.events, snapshot.sources, n=5)) == 5


def test_the_world_outlines_are_the_vendored_natural_earth_file():
    data = (ASSETS_DIR / "countries-110m.json").read_bytes()
    readme = (ASSETS_DIR / "README.md").read_text()
    assert hashlib.sha256(data).hexdigest() in readme
    assert len(lake_report.world_topology()["objects"]["countries"]["geometries"]) > 170


def test_the_command_writes_the_report_and_refuses_an_empty_lake(lake, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--lake", str(lake), "--out", str(out)]) == 0
    assert "40 events of events v000002" in capsys.readouterr().out
    assert out.stat().st_size < 5_000_000 and "vegaEmbed" in out.read_text()
    assert main(["report", "--lake", str(tmp_path / "empty"), "--out", str(tmp_path / "no.html")]) == 2
    assert "no events published" in capsys.readouterr().err and not (tmp_path / "no.html").exists()
