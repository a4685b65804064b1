"""The report in a real browser: nothing requested from elsewhere, no script error, every chart and the map drawn."""

from __future__ import annotations

import pytest

from conflict_events.lake.factory import open_lake
from conflict_events.reports.lake_report import places, write_report

from conftest import publish_events_lake, read_current
from tests.browser.harness import browser, open_page  # noqa: F401  (browser: the session's Chromium)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    lake = publish_events_lake(tmp_path_factory.mktemp("lake"))
    out = tmp_path_factory.mktemp("report") / "report.html"
    write_report(open_lake(str(lake)), out)
    return lake, out


def test_the_report_draws_its_charts_and_map_offline(report, browser, tmp_path):  # noqa: F811
    lake, out = report
    events = read_current(lake, "events").table
    with open_page(out, tmp_path / "report.png", browser) as visit:
        assert visit.problems == []
        assert visit.count("#chart-map .mark-shape path") > 170  # the country outlines
        assert visit.count("#chart-map .layer_1_marks path") == len(places(events.to_pandas()))  # one point per place
        assert visit.count("#chart-timeline .mark-rect path") > 0
        assert visit.count("[id^='chart-top-'] svg") == 4
        assert visit.count("#newest tbody tr") == events.num_rows
        # The hostile note is shown as text, and its script never ran.
        assert visit.page.evaluate("window.__pwned") is None
        assert any("window.__pwned" in text for text in visit.texts("#newest td.notes"))
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_the_events_table_filters_as_you_type(report, browser, tmp_path):  # noqa: F811
    lake, out = report
    kenya = sum(c == "Kenya" for c in read_current(lake, "events").table.column("country").to_pylist())
    with open_page(out, None, browser) as visit:
        visit.page.fill("#search", "kenya")
        assert visit.count("#newest tbody tr:visible") == kenya > 0
        assert visit.texts("#shown") == [f"{kenya} of 40 shown"]
        visit.page.fill("#search", "")
        assert visit.count("#newest tbody tr:visible") == 40
