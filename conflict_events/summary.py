"""The end-of-run accounting: every input record is an article, a quarantined record, or already published."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


# Quarantine rows that stand for a whole input record (the others are single events of a kept article).
RECORD_LEVEL = {"ingest", "clean", "extract"}


class AccountingError(RuntimeError):
    """Some input records ended nowhere: publishing would lose them silently, so the run stops."""


def check_accounting(summary: dict[str, Any]) -> None:
    """Raise unless every input record is an article, a quarantine row or already published."""
    if summary["unaccounted"]:
        raise AccountingError(
            f"{summary['unaccounted']} of {summary['records_in']} input records are neither articles ({summary['articles']}), "
            f"quarantined ({summary['records_quarantined']}) nor unchanged ({summary['unchanged']}); nothing was published"
        )


def without_failed(articles: list[dict], failures: list[dict]) -> list[dict]:
    """Articles minus those the coder failed on: they are quarantined whole, to be coded again next run."""
    failed = {f["record_ref"] for f in failures}
    return [a for a in articles if a["source_ref"] not in failed]


def is_record_level(row: dict) -> bool:
    return row["stage"] in RECORD_LEVEL or (row["stage"] == "validate" and row["detail"].startswith("articles "))


@dataclass
class QuarantineTally:
    """A run's quarantine rows counted as they stream past (the rows themselves go to the spool)."""

    by_reason: Counter = field(default_factory=Counter)
    records: int = 0  # rows of this run's input that stand for a whole input record
    duplicates: int = 0  # declared duplicates: the same text under another ref
    events: int = 0  # rows of single events (of kept articles), input or re-coded
    total: int = 0

    def add(self, rows: list[dict], from_input: bool = True) -> None:
        """Count rows; `from_input` is False for rows of published articles coded again (not input records)."""
        for row in rows:
            self.total += 1
            self.by_reason[f"{row['stage']}:{row['reason']}"] += 1
            if not is_record_level(row):
                self.events += 1
            elif from_input:
                self.records += 1
            if from_input and row["stage"] == "clean" and row["reason"] == "duplicate":
                self.duplicates += 1


def run_summary(
    run_id: str, records_in: int, articles: int, events: int, quarantine: QuarantineTally,
    reports: dict, lake: str, report: dict | None, **extra: Any,
) -> dict[str, Any]:
    """Counts a person (and the tests) check: records in = articles + records quarantined + unchanged.

    `extra` carries the incremental counts (unchanged, recoded_from_lake, mode, ...).
    """
    return {
        "run_id": run_id,
        "records_in": records_in,
        "articles": articles,
        "events": events,
        "records_quarantined": quarantine.records,
        "duplicates": quarantine.duplicates,
        # Input records that are neither an article, a quarantine row, nor already published: must be 0.
        "unaccounted": records_in - articles - quarantine.records - extra.get("unchanged", 0),
        "events_quarantined": quarantine.events,
        "quarantined": quarantine.total,
        "quarantined_by_reason": dict(quarantine.by_reason.most_common()),
        "lake": lake,
        "report": report["index"] if report else None,
        "report_pages": report["pages"] if report else [],
        "validation": {d: r.as_dict() for d, r in reports.items()},
        **extra,
    }
