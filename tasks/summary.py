"""The end-of-run accounting: every input record is an article, a quarantined record, or already published."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

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


def run_summary(
    run_id: str, records_in: int, articles: int, events: pa.Table, quarantined: list[dict], recode_rejected: list[dict],
    reports: dict, lake: str, report: dict | None, **extra: Any,
) -> dict[str, Any]:
    """Counts a person (and the tests) check: records in = articles + records quarantined + unchanged.

    `quarantined` holds the quarantine rows of this run's input; `recode_rejected` those of
    published articles coded again (they are not input records); `extra` carries the incremental
    counts (unchanged, recoded_from_lake, mode, ...).
    """
    everything = quarantined + recode_rejected
    records_quarantined = sum(1 for q in quarantined if is_record_level(q))
    return {
        "run_id": run_id,
        "records_in": records_in,
        "articles": articles,
        "events": events.num_rows,
        "records_quarantined": records_quarantined,
        # Declared duplicates: the same text under another ref (each is also a quarantine row).
        "duplicates": sum(1 for q in quarantined if q["stage"] == "clean" and q["reason"] == "duplicate"),
        # Input records that are neither an article, a quarantine row, nor already published: must be 0.
        "unaccounted": records_in - articles - records_quarantined - extra.get("unchanged", 0),
        "events_quarantined": sum(1 for q in everything if not is_record_level(q)),
        "quarantined": len(everything),
        "quarantined_by_reason": dict(Counter(f"{q['stage']}:{q['reason']}" for q in everything).most_common()),
        "lake": lake,
        "report": report["index"] if report else None,
        "report_pages": report["pages"] if report else [],
        "validation": {d: r.as_dict() for d, r in reports.items()},
        **extra,
    }
