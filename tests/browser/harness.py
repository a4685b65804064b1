"""Open a local HTML page in headless Chromium and record what it did: network requests, errors, a screenshot.

The browser is the system's Chromium (Debian's /usr/bin/chromium here) driven by the `playwright`
package; Playwright's own browser downloads are never used. Without a Chromium (or playwright) the
test is skipped with a one-line reason.

    from tests.browser.harness import browser, open_page   # `browser`: a session fixture

    def test_page(browser, tmp_path):
        with open_page(Path("site/index.html"), tmp_path / "index.png", browser) as visit:
            assert visit.problems == []                       # no request left the machine, no JS error
            assert visit.count("table tbody tr") > 0          # CSS selectors (Playwright's: `:visible` works)
            visit.page.click("text=Runs")                     # the live Playwright page, inside the block

Every request whose scheme is not file:, data:, blob: or about: is recorded in `visit.requests` and
aborted, so a page that would phone out is caught and never reaches the network.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ENV = "CONFLICT_EVENTS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
TIMEOUT_MS = 30_000


def chromium_path() -> str | None:
    """The Chromium to drive: $CONFLICT_EVENTS_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH."""
    if os.environ.get(CHROMIUM_ENV):
        return shutil.which(os.environ[CHROMIUM_ENV])
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


# Playwright's sync API allows one running instance per thread: a launch inside another's block reuses its browser.
_RUNNING: list[Any] = []


@contextmanager
def launch() -> Iterator[Any]:
    """A headless Chromium (a playwright Browser) for the block; skips the test when there is none."""
    if _RUNNING:
        yield _RUNNING[-1]
        return
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    executable = chromium_path()
    if executable is None:
        where = os.environ.get(CHROMIUM_ENV) or " / ".join(CHROMIUM_NAMES) + " on PATH"
        reason = f"no Chromium to drive (looked for {where}; `make browser` installs Debian's, or set {CHROMIUM_ENV})"
        if os.environ.get("CI"):  # CI installs it (make test -> make browser): a skip there would hide a broken set-up
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        _RUNNING.append(browser)
        try:
            yield browser
        finally:
            _RUNNING.remove(browser)
            browser.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session's browser tests (import this fixture into the test module; modules share it)."""
    with launch() as launched:
        yield launched


@dataclass
class Visit:
    """What opening one page did. `page` is the live Playwright page, usable inside the `with` block only."""

    url: str
    page: Any
    screenshot: Path | None = None
    requests: list[str] = field(default_factory=list)  # non-local URLs asked for (each was aborted)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions

    @property
    def problems(self) -> list[str]:
        """Requests and errors together, each named: `assert visit.problems == []` says what went wrong."""
        return (
            [f"request: {u}" for u in self.requests] + [f"console error: {e}" for e in self.console_errors]
            + [f"page error: {e}" for e in self.page_errors]
        )

    def count(self, selector: str) -> int:
        """How many elements match a (Playwright) CSS selector."""
        return self.page.locator(selector).count()

    def texts(self, selector: str) -> list[str]:
        """The rendered text of each element matching a selector."""
        return self.page.locator(selector).all_inner_texts()


@contextmanager
def open_page(path: Path, screenshot: Path | None = None, browser: Any = None, color_scheme: str = "light") -> Iterator[Visit]:
    """Open a local file in headless Chromium, wait for the network to go idle and take a full-page screenshot.

    `browser`: a playwright Browser to reuse (the `browser` fixture); without one a Chromium is launched
    for this page. Yields the Visit; the page closes when the block ends.
    """
    if browser is None:
        with launch() as launched, open_page(path, screenshot, launched, color_scheme) as visit:
            yield visit
        return
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
    try:
        page = context.new_page()
        visit = Visit(Path(path).absolute().as_uri(), page, screenshot)
        page.on("console", lambda message: message.type == "error" and visit.console_errors.append(f"{message.text} ({message.location.get('url')})"))
        page.on("pageerror", lambda error: visit.page_errors.append(str(error)))
        page.on("websocket", lambda socket: visit.requests.append(socket.url))

        def block(route: Any) -> None:
            visit.requests.append(route.request.url)
            route.abort()

        context.route(lambda url: not url.startswith(LOCAL_SCHEMES), block)
        page.goto(visit.url, wait_until="networkidle", timeout=TIMEOUT_MS)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        yield visit
    finally:
        context.close()
