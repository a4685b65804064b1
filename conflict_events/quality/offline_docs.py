"""Data Docs that open offline: GX's CDN scripts, styles and images replaced by copies inside the site.

Great Expectations 1.24.1 renders each page with <script>/<link> tags on public CDNs, a tracking image
(its logo, with the project's id in the query) and a newsletter footer. `localize_site` copies the
files vendored in docs_assets/ (see its README.md) into `<site>/static/vendor/`, points the pages at
them by relative paths, drops the tracking and the newsletter, lists the run pages (`runs/*.html`) on
the index, and then refuses (RemoteReferenceError) any page that would still make a network request,
so a GX upgrade that adds a CDN URL fails the run's report instead of shipping a page that phones out.

Pages are edited as text, by exact URLs and GX's exact markup, not re-serialized through a parser:
libxml2's HTML parser "repairs" GX's markup on the way (nesting, quoting, entities), and the edits
must leave everything else byte for byte as GX wrote it. lxml only reads the result, to find what
would still cause a request. Every write is atomic and only happens when the text changed, so
localizing a site twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from urllib.parse import quote, unquote

from conflict_events.local_files import replace_file

ASSETS_DIR = Path(__file__).resolve().parent / "docs_assets"
VENDOR = Path("static") / "vendor"  # where a site keeps its copies, relative to the site folder
LOGO = Path("static") / "images" / "logo-long.png"  # GX copies it into every site
RUNS_SHOWN = 10  # newest runs listed on the index; older ones fold under a <details>
RUN_REPORT = "-report.html"  # runs/<run id>-report.html: the lake's report, beside the run page (reports.artifacts.lake_report_path)
RUNS_BEGIN = "<!-- conflict-events:runs -->"
RUNS_END = "<!-- /conflict-events:runs -->"

# GX's images (logo-long.png carries `?d=<time>&dataContextId=<project id>`: a tracking pixel).
GX_IMAGE = re.compile(r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/[\w.-]+\.png(?:\?[^\"'\s)]*)?")
# GX's cloud-footer.j2, exactly: a fixed footer with the newsletter's sign-up link.
NEWSLETTER = re.compile(r'<footer>\s*<p>[^<]*newsletter\s*<a href="https://greatexpectations\.io/newsletter[^"]*">[^<]*</a>\s*</p>\s*</footer>\n?')
NEWSLETTER_LINK = re.compile(r"""href\s*=\s*["']https?://greatexpectations\.io/newsletter""", re.IGNORECASE)
# Subresource integrity needs a CORS response, which a file:// page never gets: a local copy would be refused.
SCRIPT_OR_LINK = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
SRI_ATTRIBUTE = re.compile(r"""\s+(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?""", re.IGNORECASE)
SITE_STATIC = re.compile(r"""(\b(?:src|href)\s*=\s*["'])(?:\./|\.\./)*static/([^"'?#]+)(["'])""", re.IGNORECASE)
TAG_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
# CSS that loads something: url(...) and @import "..." / @import url(...).
CSS_URL = re.compile(r"""url\(\s*(["']?)(.*?)\1\s*\)|@import\s+(["'])(.*?)\3""", re.IGNORECASE | re.DOTALL)
REMOTE = re.compile(r"^\s*(?:(?:https?|ftp|wss?):)?//", re.IGNORECASE)
# Attributes that fetch what they name, on any element (href too, except on <a>/<area> hyperlinks).
FETCHING_ATTRIBUTES = ("src", "srcset", "poster", "data", "background", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href")


class RemoteReferenceError(RuntimeError):
    """A localized page (or stylesheet) of the site would still load something from the network."""


@dataclass(frozen=True)
class Asset:
    """One vendored file: its path under docs_assets/ (and under the site's static/vendor/), hash and the URLs it replaces."""

    path: str
    sha256: str
    replaces: tuple[str, ...]


@cache
def vendored_assets(assets_dir: Path = ASSETS_DIR) -> tuple[Asset, ...]:
    """The files ASSETS.json lists (written by scripts/vendor_docs_assets.py)."""
    manifest = json.loads((assets_dir / "ASSETS.json").read_text(encoding="utf-8"))
    return tuple(Asset(f["path"], f["sha256"], tuple(f["replaces"])) for f in manifest["files"])


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_assets(site: Path, assets_dir: Path = ASSETS_DIR) -> list[Path]:
    """Copy the vendored files into <site>/static/vendor/ where missing or different; return those written.

    Files of versions no longer vendored are left: pages rendered earlier still point at them.
    """
    written = []
    for asset in vendored_assets(assets_dir):
        source, target = assets_dir / asset.path, site / VENDOR / asset.path
        if target.is_file() and sha256_of(target) == asset.sha256:
            continue
        data = source.read_bytes()
        if hashlib.sha256(data).hexdigest() != asset.sha256:
            raise RuntimeError(f"{source} does not match its sha256 in ASSETS.json: run python -m scripts.vendor_docs_assets")
        replace_file(target, data)
        written.append(target)
    return written


def relative_url(target: Path, page: Path) -> str:
    """`target` as a URL relative to the folder of `page` (both paths inside one site)."""
    return quote(Path(os.path.relpath(target, page.parent)).as_posix())


def is_remote(url: str) -> bool:
    """Would loading this URL go to the network (http(s), ftp, ws(s) or protocol-relative)?"""
    return bool(REMOTE.match(html.unescape(url)))


def _strip_sri(tag: re.Match) -> str:
    text = tag.group(0)
    url = TAG_URL.search(text)
    return SRI_ATTRIBUTE.sub("", text) if url and not is_remote(url.group(1)) else text


def localize_html(text: str, page: Path, site: Path, assets: Iterable[Asset] = ()) -> str:
    """A page's text with CDN URLs pointing at the site's copies, GX's images at its own logo, no newsletter."""
    for asset in assets:
        local = relative_url(site / VENDOR / asset.path, page)
        for url in asset.replaces:
            # Only whole attribute values: the same URL in a script's text or a hyperlink stays as GX wrote it.
            text = re.sub(rf"""(\b(?:src|href)\s*=\s*["']){re.escape(url)}(["'])""", rf"\g<1>{local}\g<2>", text)
    text = GX_IMAGE.sub(relative_url(site / LOGO, page), text)
    # GX's favicon.j2 climbs one folder too few from a validation page: re-point every reference to the site's static/.
    text = SITE_STATIC.sub(lambda m: m.group(1) + relative_url(site / "static" / unquote(m.group(2)), page) + m.group(3), text)
    text = NEWSLETTER.sub("", text)
    return SCRIPT_OR_LINK.sub(_strip_sri, text)


def localize_css(text: str, sheet: Path, site: Path) -> str:
    """A stylesheet of the site with GX's images pointing at its own logo (url() is relative to the sheet)."""
    return GX_IMAGE.sub(relative_url(site / LOGO, sheet), text)


def css_requests(css: str) -> list[str]:
    """The remote URLs a piece of CSS would load (url() and @import)."""
    found = (m.group(2) or m.group(4) or "" for m in CSS_URL.finditer(css))
    return [url.strip() for url in found if is_remote(url)]


def html_requests(text: str) -> list[str]:
    """The remote URLs a page would load by itself: src/href of resources, CSS url() and @import, a <base>.

    Hyperlinks (<a>, <area>) and form actions load nothing until clicked, so they may stay.
    """
    import lxml.html

    found: list[str] = []
    document = lxml.html.document_fromstring(text)
    for element in document.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tag = element.tag.lower()
        for name in FETCHING_ATTRIBUTES:
            value = element.get(name)
            if value is None or (tag in ("a", "area") and "href" in name):
                continue
            candidates = [part.split()[0] for part in value.split(",") if part.strip()] if name == "srcset" else [value]
            found += [url for url in candidates if is_remote(url)]
        if element.get("style"):
            found += css_requests(element.get("style"))
        if tag == "style":
            found += css_requests(element.text_content())
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found += [url for url in re.findall(r"url\s*=\s*['\"]?([^'\";]+)", element.get("content") or "", re.I) if is_remote(url)]
    return found


def run_list_html(site: Path) -> str:
    """The index's list of run pages (<site>/runs/*.html), newest first, each with its report if any; every name escaped."""
    runs = site / "runs"
    pages = sorted((p for p in runs.glob("*.html") if not p.name.endswith(RUN_REPORT)), key=lambda p: (-p.stat().st_mtime_ns, p.name))
    if not pages:
        return ""

    def link(page: Path, text: str) -> str:
        return f'<a href="{html.escape(quote(f"runs/{page.name}"), quote=True)}">{html.escape(text)}</a>'

    def item(page: Path) -> str:
        written = datetime.fromtimestamp(page.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        report = runs / f"{page.stem}{RUN_REPORT}"
        extra = f" | {link(report, 'report of the lake')}" if report.is_file() else ""
        return f'<li>{link(page, page.stem)} <small class="text-muted">{written}</small>{extra}</li>'

    shown = "\n".join(item(p) for p in pages[:RUNS_SHOWN])
    older = ""
    if len(pages) > RUNS_SHOWN:
        items = "\n".join(item(p) for p in pages[RUNS_SHOWN:])
        older = f'\n<details><summary>{len(pages) - RUNS_SHOWN} older runs</summary><ul class="mb-0">\n{items}\n</ul></details>'
    return (
        f'{RUNS_BEGIN}\n<div id="conflict-events-runs" class="ge-section container-fluid mb-1 pb-1 pl-sm-3 px-0"><div class="row"><div class="col-12">\n'
        f'<div class="alert alert-secondary mb-2"><strong>Runs</strong> | newest first: each run\'s counts and its validation pages</div>\n'
        f'<ul class="mb-0">\n{shown}\n</ul>{older}\n</div></div></div>\n{RUNS_END}\n'
    )


def with_run_list(text: str, runs: str) -> str:
    """The index with its run list replaced (or put before GX's first section, else at the top of the body)."""
    text = re.sub(rf"{re.escape(RUNS_BEGIN)}.*?{re.escape(RUNS_END)}\n?", "", text, flags=re.DOTALL)
    if not runs:
        return text
    anchor = re.search(r'<div id="section-1"', text)
    if anchor is None:
        anchor = re.search(r"<body\b[^>]*>\n?", text, re.IGNORECASE)
        if anchor is None:
            raise ValueError("the Data Docs index has no <body>")
        return text[: anchor.end()] + runs + text[anchor.end():]
    return text[: anchor.start()] + runs + text[anchor.start():]


def site_pages(site: Path) -> list[Path]:
    """Every HTML page of a site (not the vendored files)."""
    return sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "static")


def localize_site(site: Path, pages: Iterable[str | Path] | None = None, assets_dir: Path = ASSETS_DIR) -> list[Path]:
    """Make a built Data Docs site open offline; return the files it changed.

    `pages` are the pages just (re)built (None: every page of the site); the index, the expectation
    suites' pages and the site's stylesheets are always done. Raises RemoteReferenceError, before
    writing any page, when one would still load something from the network.
    """
    site = Path(site).absolute()
    changed = copy_assets(site, assets_dir)
    assets = vendored_assets(assets_dir)
    todo = site_pages(site) if pages is None else [Path(p).absolute() for p in pages]
    todo += [site / "index.html", *sorted((site / "expectations").rglob("*.html"))]
    edits: dict[Path, str] = {}
    problems: list[str] = []
    for page in dict.fromkeys(todo):  # in order, once each
        page.relative_to(site)  # a page of another site would get wrong relative paths
        if not page.is_file():
            raise FileNotFoundError(f"no Data Docs page {page}")
        old = page.read_text(encoding="utf-8")
        new = localize_html(old, page, site, assets)
        if page == site / "index.html":
            new = with_run_list(new, run_list_html(site))
        problems += [f"{page}: {url}" for url in html_requests(new)]
        if NEWSLETTER_LINK.search(new):  # a link, not a request, but the footer is GX's advertising: it goes too
            problems.append(f"{page}: the newsletter footer (GX changed its markup)")
        if new != old:
            edits[page] = new
    for sheet in sorted((site / "static").rglob("*.css")):
        old = sheet.read_text(encoding="utf-8")
        new = localize_css(old, sheet, site)
        problems += [f"{sheet}: {url}" for url in css_requests(new)]
        if new != old:
            edits[sheet] = new
    if problems:
        raise RemoteReferenceError(
            "Data Docs would still load from the network (vendor the file with scripts/vendor_docs_assets.py "
            "or teach conflict_events/quality/offline_docs.py the markup): " + "; ".join(problems)
        )
    for path, text in edits.items():
        replace_file(path, text.encode("utf-8"))
    return changed + list(edits)
