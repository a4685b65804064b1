"""conflict-events: English conflict news -> validated, versioned, ACLED-style event datasets."""

__version__ = "0.1.0"
