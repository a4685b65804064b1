"""sources.toml: the sample loads; every mistake is one clear SourcesError naming the file, the entry and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from conflict_events.sources_config import DEFAULT_USER_AGENT, FetchSettings, SourcesError, load_sources, parse_sources
from conftest import PROJECT_ROOT, SAMPLES

SAMPLE = PROJECT_ROOT / "data" / "sources.sample.toml"


def test_sample_loads():
    config = load_sources(SAMPLE)
    assert [s.kind for s in config.sources] == ["feed", "feed", "feed", "page", "folder"]
    assert len({s.name for s in config.sources}) == len(config.sources)
    folder = config.sources[-1]
    assert Path(folder.location).resolve() == SAMPLES.resolve() and Path(folder.location).is_dir()
    assert config.sources[3].country == "Sudan" and config.sources[0].language == "en" and config.sources[0].country is None
    assert config.fetch.per_host_delay_seconds == 5.0 and config.fetch.max_bytes == 5_000_000
    assert config.fetch.user_agent.startswith("conflict-events/")
    assert all(".example." in s.location for s in config.sources if s.kind != "folder")


def test_defaults_and_relative_folder(tmp_path):
    config = parse_sources('[[source]]\nname = "local"\nfolder = "in/box"\n', tmp_path / "sources.toml")
    assert config.fetch == FetchSettings() and config.fetch.user_agent == DEFAULT_USER_AGENT
    assert config.sources[0].location == str(tmp_path / "in" / "box")
    absolute = parse_sources(f'[[source]]\nname = "abs"\nfolder = "{tmp_path}"\n', "/elsewhere/sources.toml")
    assert absolute.sources[0].location == str(tmp_path)
    assert parse_sources("", "empty.toml").sources == ()


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[[source]]\nname = "a"\nfeed = "https://x.example.org/rss"\nfeeds = "y"\n', "[[source]] #1 ('a'): unknown key 'feeds'"),
        ('[[source]]\nfeed = "https://x.example.org/rss"\n', "[[source]] #1: missing name"),
        ('[[source]]\nname = "  "\npage = "https://x.example.org/"\n', "[[source]] #1: missing name"),
        ('[[source]]\nname = "a"\npage = "https://x.example.org/"\n[[source]]\nname = "a"\npage = "https://y.example.org/"\n',
         "[[source]] #2 ('a'): duplicate name (already used by [[source]] #1)"),
        ('[[source]]\nname = "a"\nfeed = "https://x.example.org/rss"\npage = "https://x.example.org/"\n',
         "[[source]] #1 ('a'): needs exactly one of feed, page or folder (found feed and page)"),
        ('[[source]]\nname = "a"\n', "needs exactly one of feed, page or folder (found none)"),
        ('[[source]]\nname = "a"\nfeed = "ftp://x.example.org/rss"\n', "[[source]] #1 ('a'): feed = 'ftp://x.example.org/rss' must be an http:// or https:// URL"),
        ('[[source]]\nname = "a"\npage = "x.example.org/news"\n', "must be an http:// or https:// URL (scheme 'missing')"),
        ('[[source]]\nname = "a"\npage = "https:///news"\n', "has no host"),
        ('[[source]]\nname = "a"\npage = "https://x.example.org/"\ncountry = 566\n', "country must be a string, got int"),
        ('[source]\nname = "a"\n', "`source` must be an array of tables, written [[source]]"),
        ('sources = []\n', "unknown top-level key 'sources'"),
        ('[fetch]\ndelay = 3\n', "[fetch]: unknown key 'delay'"),
        ('[fetch]\nretries = -1\n', "[fetch]: retries must be at least 0, got -1"),
        ('[fetch]\nretries = 1.5\n', "[fetch]: retries must be a whole number, got 1.5"),
        ('[fetch]\ntimeout_seconds = 0\n', "[fetch]: timeout_seconds must be above 0, got 0"),
        ('[fetch]\nper_host_delay_seconds = true\n', "[fetch]: per_host_delay_seconds must be a number, got True"),
        ('[fetch]\nuser_agent = ""\n', "[fetch]: user_agent must be a non-empty string"),
        ('[[source]\nname = "a"\n', "not valid TOML"),
    ],
    ids=["unknown_key", "missing_name", "blank_name", "duplicate_name", "two_kinds", "no_kind", "ftp_scheme", "no_scheme",
         "no_host", "country_not_text", "source_not_array", "unknown_top_level", "unknown_fetch_key", "negative_retries",
         "fractional_retries", "zero_timeout", "bool_delay", "empty_user_agent", "bad_toml"],
)
def test_errors_name_file_entry_and_problem(text, expected):
    with pytest.raises(SourcesError) as caught:
        parse_sources(text, "conf/sources.toml")
    message = str(caught.value)
    assert message.startswith("conf/sources.toml: ") and expected in message and "\n" not in message
    assert isinstance(caught.value, ValueError)


def test_fetch_numbers_are_floats_where_fractions_make_sense():
    config = parse_sources("[fetch]\nper_host_delay_seconds = 3\nmax_bytes = 1000\n", "s.toml")
    assert config.fetch.per_host_delay_seconds == 3.0 and isinstance(config.fetch.per_host_delay_seconds, float)
    assert config.fetch.max_bytes == 1000 and isinstance(config.fetch.max_bytes, int)


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(SourcesError, match=r"nope\.toml: cannot be read: No such file"):
        load_sources(tmp_path / "nope.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[[source]]\nname = "Kérou"\nfolder = "x"\n'.encode("latin-1"))
    with pytest.raises(SourcesError, match="latin.toml: not UTF-8"):
        load_sources(latin)
