"""The fuzzing profiles: `ci` (default: a few dozen examples a property, for `make test`) and `long` (HYPOTHESIS_PROFILE=long).

No Hypothesis deadline: a shared CI machine's timing is noisy, so each property keeps its own generous wall-clock
budget (time_budget) that only a blow-up crosses. Failing examples are kept under .pytest_cache (ignored by git)
and replayed first on the next run.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

# Budgets per example, far above normal cost: they catch blow-ups (a pattern that backtracks for hours), not slowness.
INGEST_BUDGET = 10.0
BATCH_BUDGET = 10.0
# Cleaning and coding cost about 40 us a character (spaCy most of it: 1.3 s for 34,000 characters), so an honest
# article at clean's 40,000-character limit takes under 2 s; the budget grows with the text at 2.5 times that rate.
ARTICLE_BASE_SECONDS = 5.0
ARTICLE_SECONDS_PER_CHAR = 100e-6


def article_budget(text: str) -> float:
    """Seconds one article may take through clean + extract before the property calls it a blow-up."""
    return ARTICLE_BASE_SECONDS + ARTICLE_SECONDS_PER_CHAR * len(text)


_BIG_INPUTS_ARE_THE_POINT = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example, HealthCheck.filter_too_much]
_DATABASE = DirectoryBasedExampleDatabase(Path(__file__).resolve().parents[2] / ".pytest_cache" / "hypothesis")
for _name, _examples in (("ci", 30), ("long", 2000)):
    settings.register_profile(
        _name, max_examples=_examples, deadline=None, suppress_health_check=_BIG_INPUTS_ARE_THE_POINT, database=_DATABASE, print_blob=True
    )
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
