"""The Data Docs of a real run, opened from disk in headless Chromium: no request leaves the machine, no script fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conflict_events.quality.offline_docs import site_pages
from tests.browser.harness import browser, open_page  # noqa: F401 (browser: a fixture)

from conftest import SAMPLES

pytestmark = pytest.mark.slow

VALIDATION_ROWS = ".ge-index-page-validation-results-table tbody tr:visible"


@pytest.fixture(scope="module")
def sample_site(prefect_server, tmp_path_factory):
    """The flow on the bundled samples (on the session's Prefect server): its lake, summary and Data Docs site."""
    from flows.pipeline import pipeline

    lake = tmp_path_factory.mktemp("lake")
    summary = pipeline(inputs=[str(SAMPLES)], lake=str(lake))
    return lake, summary, Path(summary.report).parent


def shot(folder: Path, site: Path, page: Path) -> Path:
    return folder / (re.sub(r"[^\w.-]+", "_", str(page.relative_to(site))) + ".png")


def test_every_page_of_the_site_opens_offline(sample_site, browser, tmp_path):  # noqa: F811
    _, summary, site = sample_site
    pages = site_pages(site)
    kinds = {p.relative_to(site).parts[0] for p in pages}
    assert kinds == {"index.html", "expectations", "validations", "runs"} and len(pages) >= 6
    problems = {}
    for page in pages:
        with open_page(page, shot(tmp_path, site, page), browser) as visit:
            problems[str(page.relative_to(site))] = visit.problems
            assert visit.count("body *:visible") > 10  # it drew something
    assert {name: found for name, found in problems.items() if found} == {}
    assert len(list(tmp_path.glob("*.png"))) == len(pages)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])  # dark mode swaps in another logo (a CSS background)
def test_the_index_draws_its_table_of_results(sample_site, browser, tmp_path, color_scheme):  # noqa: F811
    _, summary, site = sample_site
    with open_page(site / "index.html", tmp_path / f"index-{color_scheme}.png", browser, color_scheme) as visit:
        assert visit.problems == []
        rows = visit.texts(VALIDATION_ROWS)
        assert len(rows) == 2 and all(summary.run_id in row for row in rows)  # bootstrap-table drew the run's results
        assert sorted(row.split("\t")[3].strip() for row in rows) == ["articles", "events"]
        assert visit.count("button:has-text('Clear Filters'):visible") == 1  # the other tab's toolbar stays hidden
        assert visit.page.evaluate("document.fonts.check('900 16px \"Font Awesome 6 Free\"')")  # the status icons' font
        assert visit.count("i.fa-check-circle:visible") == 2
        visit.page.locator(VALIDATION_ROWS).first.click()  # GX's row click handler (jQuery) opens the result's page
        visit.page.wait_for_url(re.compile(r"/validations/.+\.html$"))
        visit.page.wait_for_load_state("networkidle")
        assert visit.problems == []


def test_the_index_lists_the_run_pages(sample_site, browser, tmp_path):  # noqa: F811
    lake, summary, site = sample_site
    # The run page and the lake's report beside it are written after publishing; the run then refreshes the index's list.
    assert (site / "runs" / f"{summary.run_id}-report.html").is_file()
    with open_page(site / "index.html", tmp_path / "index-runs.png", browser) as visit:
        assert visit.texts("#conflict-events-runs a") == [summary.run_id, "report of the lake"]
        visit.page.click(f"#conflict-events-runs a:has-text('{summary.run_id}')")
        visit.page.wait_for_url(f"**/runs/{summary.run_id}.html")
        visit.page.wait_for_load_state("networkidle")
        assert visit.count("a[href*='validations/']") == 2 and visit.problems == []
