"""The analysts' report: one self-contained HTML file of a lake's current versions that makes no network request.

What the data says (headline numbers and the change from the previous version, events and fatalities over
time, a map, the top countries, regions, actors and sub-types, the newest events with their notes) and how
far to trust it (expectations, quarantine reasons with an example each, null rates, confidence bands).

Charts are Altair (Vega-Lite) specs drawn in the browser by Vega, whose JavaScript vl-convert bundles offline
and the page inlines; the map's country outlines are Natural Earth TopoJSON shipped in `assets/`. Every value
from an article reaches the page escaped: HTML by Jinja's autoescape, the charts' data as JSON that cannot
close its <script> element.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from conflict_events.local_files import replace_file
from conflict_events.reports import ASSETS_DIR
from conflict_events.reports.artifacts import TEMPLATES

if TYPE_CHECKING:
    from conflict_events.lake.interface import Lake

NEWEST_EVENTS = 500  # rows of the searchable table; the export has them all
TOP = 10
KEY_FIELDS = ("event_date", "actor1", "actor2", "country", "admin1", "location", "latitude", "fatalities", "notes")
CONFIDENCE_BANDS = ((0.9, "0.9 and over"), (0.7, "0.7 to 0.9"), (0.5, "0.5 to 0.7"), (0.0, "under 0.5"))
EVENT_COLUMNS = (
    "event_id", "article_id", "event_date", "event_type", "sub_event_type", "actor1", "actor2", "country", "admin1", "location",
    "latitude", "longitude", "fatalities", "notes", "confidence",
)
QUARANTINE_COLUMNS = ("record_ref", "stage", "reason", "detail")
# Characters that would let JSON inside <script> end the element or start markup: written as \uXXXX escapes.
_SCRIPT_UNSAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


@dataclass
class LakeSnapshot:
    """What the report shows, read from the lake: current versions, the previous events version, manifests."""

    versions: dict[str, str | None]
    events: pa.Table
    previous_events: pa.Table | None
    previous_version: str | None
    articles: int
    sources: dict[str, str | None]  # article_id -> source name
    quarantine: pa.Table
    validation: dict[str, dict[str, Any]] = field(default_factory=dict)
    published_at: str | None = None


def empty(columns: tuple[str, ...], schema: pa.Schema) -> pa.Table:
    return pa.table({c: pa.array([], schema.field(c).type) for c in columns})


def read_snapshot(lake: Lake) -> LakeSnapshot:
    """The current versions of the lake's datasets and the events version before the current one."""
    from conflict_events.schemas import SCHEMAS

    versions = lake.current_versions()
    current = versions.get("events")
    events = lake.read_version("events", current, list(EVENT_COLUMNS)) if current else empty(EVENT_COLUMNS, SCHEMAS["events"])
    earlier = [v for v in lake.version_folders("events") if current and v < current]
    previous = earlier[-1] if earlier else None
    articles = lake.read_current("articles", ["article_id", "source_name"])
    quarantine = lake.read_current("quarantine", list(QUARANTINE_COLUMNS))
    validation, published_at = {}, None
    for dataset in ("articles", "events"):
        manifest = lake.manifest(dataset, versions[dataset]) if versions.get(dataset) else None
        if manifest:
            validation[dataset] = {**manifest.get("validation", {}), "version": versions[dataset], "run_id": manifest.get("run_id")}
            published_at = max(published_at or "", manifest.get("created_at") or "") or None
    return LakeSnapshot(
        versions=versions, events=events,
        previous_events=lake.read_version("events", previous, ["event_id", "fatalities", "country"]) if previous else None,
        previous_version=previous, articles=articles.num_rows if articles is not None else 0,
        sources=dict(zip(*(articles.column(c).to_pylist() for c in ("article_id", "source_name")), strict=True)) if articles is not None else {},
        quarantine=quarantine if quarantine is not None else empty(QUARANTINE_COLUMNS, SCHEMAS["quarantine"]),
        validation=validation, published_at=published_at,
    )


def headline(snapshot: LakeSnapshot) -> list[dict[str, Any]]:
    """The numbers at the top, each with its change from the previous events version (None when there is none)."""
    events = snapshot.events
    fatalities = sum(f or 0 for f in events.column("fatalities").to_pylist())
    countries = {c for c in events.column("country").to_pylist() if c}
    rows = [
        {"label": "events", "value": events.num_rows},
        {"label": "fatalities", "value": fatalities},
        {"label": "countries", "value": len(countries)},
        {"label": "articles", "value": snapshot.articles, "change": None},
        {"label": "quarantine rows", "value": snapshot.quarantine.num_rows, "change": None},
    ]
    before = snapshot.previous_events
    if before is not None:
        rows[0]["change"] = events.num_rows - before.num_rows
        rows[1]["change"] = fatalities - sum(f or 0 for f in before.column("fatalities").to_pylist())
        rows[2]["change"] = len(countries) - len({c for c in before.column("country").to_pylist() if c})
    return [{"change": None, **row} for row in rows]


def new_countries(snapshot: LakeSnapshot) -> list[str]:
    """Countries with events now that had none in the previous version."""
    if snapshot.previous_events is None:
        return []
    before = set(snapshot.previous_events.column("country").to_pylist())
    return sorted({c for c in snapshot.events.column("country").to_pylist() if c and c not in before})


def period_of(days: pd.Series) -> tuple[pd.Series, str]:
    """Weeks when the events span under a year, else months: the first day of each event's period."""
    stamps = pd.to_datetime(days)
    span = (stamps.max() - stamps.min()).days if len(stamps) else 0
    if span < 366:
        return (stamps - pd.to_timedelta(stamps.dt.day_of_week, unit="D")).dt.strftime("%Y-%m-%d"), "week"
    return stamps.dt.strftime("%Y-%m-01"), "month"


def over_time(events: pd.DataFrame) -> tuple[list[dict], str]:
    """Events and fatalities per period and event type (events of unknown date are left out and counted apart)."""
    dated = events[events["event_date"].notna()]
    if dated.empty:
        return [], "week"
    periods, unit = period_of(dated["event_date"])
    grouped = dated.assign(period=periods, fatalities=dated["fatalities"].fillna(0)).groupby(["period", "event_type"], dropna=False)
    table = grouped.agg(events=("event_id", "size"), fatalities=("fatalities", "sum")).reset_index()
    return [{**r, "events": int(r["events"]), "fatalities": int(r["fatalities"])} for r in table.to_dict("records")], unit


def places(events: pd.DataFrame) -> list[dict]:
    """One map point per located place: its events and fatalities."""
    located = events[events["latitude"].notna() & events["longitude"].notna()]
    if located.empty:
        return []
    grouped = located.assign(fatalities=located["fatalities"].fillna(0), location=located["location"].fillna(""), country=located["country"].fillna(""))
    table = grouped.groupby(["latitude", "longitude", "location", "country"]).agg(events=("event_id", "size"), fatalities=("fatalities", "sum"))
    return [{**r, "events": int(r["events"]), "fatalities": int(r["fatalities"])} for r in table.reset_index().to_dict("records")]


def top(values: list[Any], fatalities: list[Any], n: int = TOP) -> list[dict]:
    """The n most frequent values with their events and fatalities (unknown values left out)."""
    counts: Counter = Counter()
    dead: Counter = Counter()
    for value, killed in zip(values, fatalities, strict=True):
        if value:
            counts[value] += 1
            dead[value] += killed or 0
    return [{"name": name, "events": count, "fatalities": dead[name]} for name, count in counts.most_common(n)]


def tops(events: pa.Table) -> dict[str, list[dict]]:
    """Top countries, admin1 regions (with their country), actors (either side) and sub-types."""
    rows = events.select(["country", "admin1", "actor1", "actor2", "sub_event_type", "fatalities"]).to_pylist()
    killed = [r["fatalities"] for r in rows]
    regions = [f"{r['admin1']} ({r['country']})" if r["admin1"] else None for r in rows]
    actors = [r["actor1"] for r in rows] + [r["actor2"] for r in rows]
    return {
        "countries": top([r["country"] for r in rows], killed),
        "admin1 regions": top(regions, killed),
        # An event's toll is counted for each of its actors: the list ranks involvement, not blame.
        "actors": top(actors, killed + killed),
        "sub-event types": top([r["sub_event_type"] for r in rows], killed),
    }


def null_rates(events: pa.Table) -> list[dict]:
    """Share of events without each key field."""
    return [
        {"field": name, "missing": events.column(name).null_count, "share": events.column(name).null_count / events.num_rows if events.num_rows else 0.0}
        for name in KEY_FIELDS
    ]


def confidence_bands(events: pa.Table) -> list[dict]:
    """Events per confidence band, highest first."""
    counts: Counter = Counter()
    for value in events.column("confidence").to_pylist():
        counts[next((label for floor, label in CONFIDENCE_BANDS if value is not None and value >= floor), "unknown")] += 1
    labels = [label for _, label in CONFIDENCE_BANDS] + ["unknown"]
    total = events.num_rows or 1
    return [{"band": label, "events": counts[label], "share": counts[label] / total} for label in labels if counts[label] or label != "unknown"]


def quarantine_reasons(quarantine: pa.Table) -> list[dict]:
    """Rows per stage:reason, most first, with the first row's record and detail as the example."""
    counts: Counter = Counter()
    example: dict[str, dict] = {}
    for row in quarantine.to_pylist():
        key = f"{row['stage']}:{row['reason']}"
        counts[key] += 1
        example.setdefault(key, row)
    return [{"reason": k, "rows": n, "record": example[k]["record_ref"], "detail": example[k]["detail"]} for k, n in counts.most_common()]


def expectations(validation: dict[str, dict[str, Any]]) -> list[dict]:
    """Per dataset, from the manifest of its current version: rows checked and failed, expectations passed and failed."""
    out = []
    for dataset, report in validation.items():
        failed = report.get("expectations_failed") or {}
        evaluated = report.get("expectations_evaluated") or 0
        out.append({
            "dataset": dataset, "version": report["version"], "run_id": report.get("run_id"), "rows_checked": report.get("rows_checked", 0),
            "rows_failed": report.get("rows_failed", 0), "passed": evaluated - sum(failed.values()), "evaluated": evaluated,
            "failed": sorted(failed.items()),
        })
    return out


def newest_events(events: pa.Table, sources: dict[str, str | None], n: int = NEWEST_EVENTS) -> list[dict]:
    """The n events with the latest event dates (unknown dates last), with their article's source."""
    rows = events.to_pylist()
    rows.sort(key=lambda r: (r["event_date"] is not None, r["event_date"] or date.min, r["event_id"]), reverse=True)
    return [{**r, "source": sources.get(r["article_id"])} for r in rows[:n]]


def charts(snapshot: LakeSnapshot) -> dict[str, dict]:
    """Vega-Lite specs (Altair) of the timeline, the map and the top lists; each chart's data inline."""
    import altair as alt

    frame = snapshot.events.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    timeline, unit = over_time(frame)
    specs: dict[str, dict] = {}
    if timeline:
        base = alt.Chart(alt.InlineData(values=timeline)).mark_bar().encode(
            x=alt.X("period:T", title=f"{unit} of the event", timeUnit="yearmonthdate" if unit == "week" else "yearmonth"),
            color=alt.Color("event_type:N", title="event type", scale=alt.Scale(scheme="tableau10")),
            tooltip=["period:T", "event_type:N", "events:Q", "fatalities:Q"],
        )
        specs["timeline"] = alt.vconcat(
            base.encode(y=alt.Y("sum(events):Q", title=f"events per {unit}")).properties(width=760, height=180),
            base.encode(y=alt.Y("sum(fatalities):Q", title=f"fatalities per {unit}")).properties(width=760, height=180),
        ).to_dict(validate=True)
    outlines = alt.InlineData(values=world_topology(), format=alt.DataFormat(type="topojson", feature="countries"))
    world = alt.Chart(outlines).mark_geoshape(fill="#eceae4", stroke="#9a968c", strokeWidth=0.4)
    points = alt.Chart(alt.InlineData(values=places(frame) or [{}])).mark_circle(color="#b2182b", opacity=0.6, stroke="#67000d", strokeWidth=0.5).encode(
        longitude="longitude:Q", latitude="latitude:Q",
        size=alt.Size("fatalities:Q", title="fatalities", scale=alt.Scale(range=[12, 900], zero=True)),
        tooltip=["location:N", "country:N", "events:Q", "fatalities:Q"],
    )
    specs["map"] = (world + points).properties(width=860, height=440).project("equalEarth").to_dict(validate=True)
    for name, rows in tops(snapshot.events).items():
        if rows:
            specs[f"top {name}"] = alt.Chart(alt.InlineData(values=rows)).mark_bar(color="#4c78a8").encode(
                y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
                x=alt.X("events:Q", title="events"), tooltip=["name:N", "events:Q", "fatalities:Q"],
            ).properties(width=300, height=alt.Step(18), title=f"top {name}").to_dict(validate=True)
    return specs


@cache
def world_topology() -> dict:
    """Natural Earth 1:110m country outlines (world-atlas 2.0.2, see assets/README.md)."""
    return json.loads((ASSETS_DIR / "countries-110m.json").read_text(encoding="utf-8"))


@cache
def chart_javascript() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert bundles them offline), safe inside <script>."""
    import vl_convert

    return vl_convert.javascript_bundle().replace("</script", "<\\/script")


def script_json(value: Any) -> str:
    """JSON that can sit inside a <script> element whatever strings it holds."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).translate(_SCRIPT_UNSAFE)


def render(snapshot: LakeSnapshot, lake_label: str) -> str:
    """The report's HTML."""
    specs = charts(snapshot)
    return TEMPLATES.get_template("lake_report.html").render(
        lake=lake_label, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), snapshot=snapshot,
        headline=headline(snapshot), new_countries=new_countries(snapshot), undated=snapshot.events.column("event_date").null_count,
        chart_names=list(specs), specs=script_json(specs), javascript=chart_javascript(),
        expectations=expectations(snapshot.validation), quarantine=quarantine_reasons(snapshot.quarantine),
        null_rates=null_rates(snapshot.events), confidence=confidence_bands(snapshot.events),
        newest=newest_events(snapshot.events, snapshot.sources), newest_limit=NEWEST_EVENTS,
    )


@dataclass(frozen=True)
class WrittenReport:
    """Where the report went, its size and how long it took."""

    path: Path
    bytes: int
    seconds: float
    events: int


def write_report(lake: Lake, out: Path) -> WrittenReport:
    """Read the lake's current versions and write the report to `out` (atomically: never half a file)."""
    began = time.perf_counter()
    snapshot = read_snapshot(lake)
    page = render(snapshot, lake.url).encode("utf-8")
    replace_file(out, page)
    return WrittenReport(out, len(page), time.perf_counter() - began, snapshot.events.num_rows)
