"""sources.toml: the feeds, pages and folders a run reads, and how politely it fetches them.

    [fetch]                      # optional; every key optional (see FetchSettings)
    per_host_delay_seconds = 5

    [[source]]
    name = "wire-africa"         # required, unique
    feed = "https://news.example.org/africa/rss.xml"   # exactly one of feed / page / folder
    country = "Nigeria"          # optional hint, free text (a name or an ISO code), kept as given
    language = "en"              # optional hint
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

SourceKind = Literal["feed", "page", "folder"]
KINDS: tuple[SourceKind, ...] = ("feed", "page", "folder")
SOURCE_KEYS = ("name", *KINDS, "country", "language")
TOP_LEVEL_KEYS = ("source", "fetch")


def _project_version() -> str:
    """The installed project's version, for the User-Agent ("0" when run from an uninstalled tree)."""
    try:
        return version("conflict-events")
    except PackageNotFoundError:
        return "0"


# The first word is the product token robots.txt rules are matched against ("User-agent: conflict-events").
DEFAULT_USER_AGENT = f"conflict-events/{_project_version()} (news-to-events research pipeline; honours robots.txt)"


class SourcesError(ValueError):
    """sources.toml cannot be used: the message names the file, the entry and the problem, in one line."""


@dataclass(frozen=True)
class FetchSettings:
    """How politely sources are fetched (the `[fetch]` table overrides any of these)."""

    user_agent: str = DEFAULT_USER_AGENT
    per_host_delay_seconds: float = 2.0  # the least time between two requests to one host
    timeout_seconds: float = 20.0  # connect, read and write, each
    max_bytes: int = 5_000_000  # of decoded body; a larger response is quarantined as too_big
    max_redirects: int = 5
    retries: int = 3  # after the first try, on 429, 5xx and connection errors
    max_retry_after_seconds: float = 120.0  # a longer Retry-After is not waited for: the URL is quarantined
    backoff_seconds: float = 1.0  # the first retry's wait; doubled for each next one


@dataclass(frozen=True)
class SourceConfig:
    """One `[[source]]` entry: a feed or page URL, or a folder (an absolute path once loaded)."""

    name: str
    kind: SourceKind
    location: str  # the URL, or the folder's path
    country: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class SourcesConfig:
    """A whole sources.toml: its sources in file order and the fetch settings."""

    sources: tuple[SourceConfig, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    path: Path | None = None


def _entry(index: int, name: Any) -> str:
    """How an error names a `[[source]]` entry: its position, and its name when it has a usable one."""
    return f"[[source]] #{index}" + (f" ({name!r})" if isinstance(name, str) and name.strip() else "")


def _check_url(url: str, where: str, key: str) -> str:
    """`url` when it is an absolute http(s) URL with a host, else a SourcesError."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SourcesError(f"{where}: {key} = {url!r} must be an http:// or https:// URL (scheme {parts.scheme or 'missing'!r})")
    if not parts.hostname:
        raise SourcesError(f"{where}: {key} = {url!r} has no host")
    return url


def _source(raw: Any, index: int, base: Path, file: str) -> SourceConfig:
    """One `[[source]]` table checked: known keys, a name, exactly one kind, text values, usable URL."""
    if not isinstance(raw, dict):
        raise SourcesError(f"{file}: [[source]] #{index} must be a table, got {type(raw).__name__}")
    where = f"{file}: {_entry(index, raw.get('name'))}"
    unknown = sorted(set(raw) - set(SOURCE_KEYS))
    if unknown:
        raise SourcesError(f"{where}: unknown key {', '.join(map(repr, unknown))} (allowed: {', '.join(SOURCE_KEYS)})")
    for key, value in raw.items():
        if not isinstance(value, str):
            raise SourcesError(f"{where}: {key} must be a string, got {type(value).__name__}")
    name = raw.get("name", "").strip()
    if not name:
        raise SourcesError(f"{where}: missing name (every source needs a unique `name`)")
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        found = " and ".join(kinds) if kinds else "none"
        raise SourcesError(f"{where}: needs exactly one of feed, page or folder (found {found})")
    kind = kinds[0]
    location = raw[kind].strip()
    if not location:
        raise SourcesError(f"{where}: {kind} is empty")
    if kind == "folder":
        folder = Path(location).expanduser()
        location = str(folder if folder.is_absolute() else base / folder)
    else:
        location = _check_url(location, where, kind)
    hints = {k: (raw[k].strip() or None) if k in raw else None for k in ("country", "language")}
    return SourceConfig(name=name, kind=kind, location=location, **hints)


def _fetch_settings(raw: Any, file: str) -> FetchSettings:
    """The `[fetch]` table over the defaults: known keys, values of the right type and range."""
    if not isinstance(raw, dict):
        raise SourcesError(f"{file}: [fetch] must be a table, got {type(raw).__name__}")
    known = {f.name: f for f in fields(FetchSettings)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise SourcesError(f"{file}: [fetch]: unknown key {', '.join(map(repr, unknown))} (allowed: {', '.join(known)})")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        default = getattr(FetchSettings, key)
        if isinstance(default, str):
            if not isinstance(value, str) or not value.strip():
                raise SourcesError(f"{file}: [fetch]: {key} must be a non-empty string")
            values[key] = value.strip()
            continue
        wanted = (int,) if isinstance(default, int) else (int, float)
        if isinstance(value, bool) or not isinstance(value, wanted):
            kind = "a whole number" if wanted == (int,) else "a number"
            raise SourcesError(f"{file}: [fetch]: {key} must be {kind}, got {value!r}")
        # Timeouts and sizes must be positive; delays, retries and redirects may be zero.
        positive = key in ("timeout_seconds", "max_bytes")
        if value < 0 or (positive and value == 0):
            raise SourcesError(f"{file}: [fetch]: {key} must be {'above' if positive else 'at least'} 0, got {value!r}")
        values[key] = value if wanted == (int,) else float(value)
    return FetchSettings(**values)


def parse_sources(text: str, path: str | Path = "sources.toml") -> SourcesConfig:
    """sources.toml text -> SourcesConfig; relative folders resolve against `path`'s folder."""
    path = Path(path)
    file = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{file}: not valid TOML: {exc}") from None
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise SourcesError(f"{file}: unknown top-level key {', '.join(map(repr, unknown))} (allowed: [[source]] and [fetch])")
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise SourcesError(f"{file}: `source` must be an array of tables, written [[source]]")
    base = path.parent.absolute()
    sources: list[SourceConfig] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(raw_sources, start=1):
        source = _source(raw, index, base, file)
        if source.name in seen:
            raise SourcesError(f"{file}: {_entry(index, source.name)}: duplicate name (already used by [[source]] #{seen[source.name]})")
        seen[source.name] = index
        sources.append(source)
    return SourcesConfig(tuple(sources), _fetch_settings(data.get("fetch", {}), file), path)


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and check a sources.toml file (SourcesError when it is missing, unreadable or wrong)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise SourcesError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_sources(text, path)
