"""The end-of-run accounting: every input record is an article or a quarantined record."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa

from tasks.records import RawRecord

# Quarantine rows that stand for a whole input record (the others are single events of a kept article).
RECORD_LEVEL = {"ingest", "clean", "extract"}


def without_failed(articles: list[dict], failures: list[dict]) -> list[dict]:
    """Articles minus those the coder failed on: they are quarantined whole, to be coded again next run."""
    failed = {f["record_ref"] for f in failures}
    return [a for a in articles if a["source_ref"] not in failed]


def is_record_level(row: dict) -> bool:
    return row["stage"] in RECORD_LEVEL or (row["stage"] == "validate" and row["detail"].startswith("articles "))


def run_summary(
    run_id: str, records: list[RawRecord], articles: pa.Table, events: pa.Table, quarantined: list[dict],
    reports: dict, lake: str, report: dict | None,
) -> dict[str, Any]:
    """Counts a person (and the tests) check: records in = articles + records quarantined."""
    record_rows = [q for q in quarantined if is_record_level(q)]
    return {
        "run_id": run_id,
        "records_in": len(records) + sum(1 for q in quarantined if q["stage"] == "ingest"),
        "articles": articles.num_rows,
        "events": events.num_rows,
        "records_quarantined": len(record_rows),
        "events_quarantined": len(quarantined) - len(record_rows),
        "quarantined": len(quarantined),
        "quarantined_by_reason": dict(Counter(f"{q['stage']}:{q['reason']}" for q in quarantined).most_common()),
        "lake": lake,
        "report": report["index"] if report else None,
        "report_pages": report["pages"] if report else [],
        "validation": {d: r.as_dict() for d, r in reports.items()},
    }
