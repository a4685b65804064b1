"""The end-of-run accounting: every input record is an article, a quarantined record, or already published."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from conflict_events.models import QuarantineRow, RunSummary

# Quarantine rows that stand for a whole input record (the others are single events of a kept article).
RECORD_LEVEL = {"ingest", "clean", "extract"}
# Extract rows that stand for one event of an article that is kept (its other events are published).
EVENT_LEVEL_EXTRACT = {"no_country"}


class AccountingError(RuntimeError):
    """Some input records ended nowhere: publishing would lose them silently, so the run stops."""


def check_accounting(summary: RunSummary) -> None:
    """Raise unless every input record is an article, a quarantine row or already published."""
    if summary.unaccounted:
        raise AccountingError(
            f"{summary.unaccounted} of {summary.records_in} input records are neither articles ({summary.articles}), "
            f"quarantined ({summary.records_quarantined}) nor unchanged ({summary.unchanged}); nothing was published"
        )


def without_failed(articles: list[dict], failures: list[QuarantineRow]) -> list[dict]:
    """Articles minus those the coder failed on: they are quarantined whole, to be coded again next run
    (an event with no country is quarantined alone; its article is kept)."""
    failed = {f.record_ref for f in failures if is_record_level(f.stage, f.detail, f.reason)}
    return [a for a in articles if a["source_ref"] not in failed]


def is_record_level(stage: str, detail: str, reason: str = "") -> bool:
    """Whether a quarantine row (by its stage, detail and reason) stands for a whole input record."""
    if stage == "extract" and reason in EVENT_LEVEL_EXTRACT:
        return False
    return stage in RECORD_LEVEL or (stage == "validate" and detail.startswith("articles "))


@dataclass
class QuarantineTally:
    """A run's quarantine rows counted as they stream past (the rows themselves go to the spool)."""

    by_reason: Counter = field(default_factory=Counter)
    records: int = 0  # rows of this run's input that stand for a whole input record
    duplicates: int = 0  # declared duplicates: the same text under another ref
    events: int = 0  # rows of single events (of kept articles), input or re-coded
    total: int = 0

    def add(self, rows: list[QuarantineRow], from_input: bool = True) -> None:
        """Count rows; `from_input` is False for rows of published articles coded again (not input records)."""
        for row in rows:
            self.total += 1
            self.by_reason[row.code] += 1
            if not is_record_level(row.stage, row.detail, row.reason):
                self.events += 1
            elif from_input:
                self.records += 1
            if from_input and row.code == "clean:duplicate":
                self.duplicates += 1

    def fill(self, summary: RunSummary) -> None:
        """Write the tally's counts into a run summary."""
        summary.records_quarantined = self.records
        summary.duplicates = self.duplicates
        summary.events_quarantined = self.events
        summary.quarantined = self.total
        summary.quarantined_by_reason = dict(self.by_reason.most_common())
