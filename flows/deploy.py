"""The pipeline as a scheduled Prefect deployment, served by this process (`conflict-events serve`).

Teams with work pools deploy the same flow with `prefect deploy` and the project's prefect.yaml.
"""

from __future__ import annotations

from pathlib import Path

from prefect import serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron, Interval, Schedule

from conflict_events.settings import Settings
from flows.pipeline import pipeline

# One run at a time per deployment; a run that comes due while one is going waits its turn
# (the lake's publish lock would make it wait anyway, but then it would hold a worker doing nothing).
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def schedule_from(settings: Settings, interval_seconds: float | None = None) -> Schedule:
    """The settings' cron in its time zone, or a fixed interval (for tests and demos)."""
    if interval_seconds:
        return Interval(interval_seconds)
    return Cron(settings.schedule_cron, timezone=settings.schedule_timezone)


def pipeline_deployment(settings: Settings, interval_seconds: float | None = None):
    """The deployment: its schedule, and parameters (inputs, sources, lake, full) a person can edit in the UI."""
    return pipeline.to_deployment(
        name=settings.deployment_name,
        schedule=schedule_from(settings, interval_seconds),
        parameters={
            "inputs": [str(Path(p).resolve()) for p in settings.inputs],
            "lake": settings.lake if "://" in settings.lake else str(Path(settings.lake).resolve()),
            "full": False,
            "sources": str(Path(settings.sources).resolve()) if settings.sources else None,
        },
        description="Code new conflict news into the versioned ACLED-style event dataset.",
        tags=["conflict-events"],
        concurrency_limit=ONE_AT_A_TIME,
    )


def serve_pipeline(settings: Settings, interval_seconds: float | None = None, poll_seconds: int = 5) -> None:
    """Register the deployment and run its scheduled flow runs until interrupted (each in its own process)."""
    serve(pipeline_deployment(settings, interval_seconds), query_seconds=poll_seconds)
