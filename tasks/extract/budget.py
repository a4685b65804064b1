"""The wall-clock budget for coding one article: past it, the article becomes an `extract:timeout` quarantine row.

No single step can run away: every pattern the coder runs on text is linear in its input or reads a bounded
part of it (docs/regex_audit.md), and the count rules read at most MAX_COUNT_CHARS of a sentence. The deadline,
checked between sentences and steps, bounds what the steps add up to on a long or hostile article, so one
article can hold up neither its batch nor the runs scheduled after it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from conflict_events.settings import Settings

# The default of the setting (CONFLICT_EVENTS_EXTRACT_SECONDS_PER_ARTICLE). Normal articles take 50-100 ms to
# code; the spaCy parse, done for the whole batch at once, is not counted: clean's max_text_chars bounds it (1.2 s).
SECONDS_PER_ARTICLE: float = Settings.model_fields["extract_seconds_per_article"].default


class ExtractTimeout(Exception):
    """Coding an article ran past its budget; `reached` says how far it got."""

    def __init__(self, seconds: float, reached: str):
        super().__init__(f"coding took longer than the {seconds:g} s budget for one article; stopped at {reached}")
        self.seconds = seconds
        self.reached = reached


@dataclass(frozen=True)
class Deadline:
    """When coding the current article must stop (time.monotonic() seconds)."""

    seconds: float
    at: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        """A deadline `seconds` from now."""
        return cls(seconds, time.monotonic() + seconds)

    def check(self, reached: str) -> None:
        """Raise ExtractTimeout if the budget is spent; `reached` names the step about to start."""
        if time.monotonic() > self.at:
            raise ExtractTimeout(self.seconds, reached)


NO_DEADLINE = Deadline(math.inf, math.inf)
