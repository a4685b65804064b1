"""`conflict-events export`: ACLED's CSV columns, GeoJSON and GeoParquet that round-trip the published events."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conflict_events import exports
from conflict_events.cli import main
from conflict_events.local_files import write_through_temporary

from conftest import HOSTILE_NOTE, publish_events_lake, read_current

# ACLED's export columns as an ACLED download (and acledR) spells and orders them.
ACLED_DOWNLOAD = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,"
    "assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,"
    "geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
).split(",")


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    return publish_events_lake(tmp_path_factory.mktemp("lake"))


@pytest.fixture(scope="module")
def published(lake):
    return read_current(lake, "events").table.to_pylist()


def export(lake: Path, tmp_path: Path, fmt: str, *options: str) -> Path:
    out = tmp_path / f"out.{fmt}"
    assert main(["export", "--lake", str(lake), "--format", fmt, "--out", str(out), *options]) == 0
    return out


def same(value, expected) -> bool:
    if expected is None:
        return value is None or pd.isna(value)
    if isinstance(expected, float):
        return value == pytest.approx(expected)
    return value == expected


def test_csv_has_acleds_columns_in_acleds_order_and_every_published_value(lake, published, tmp_path):
    out = export(lake, tmp_path, "csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    frame = pd.read_csv(out, keep_default_na=False, na_values=[""], dtype=str)
    assert list(frame.columns) == ACLED_DOWNLOAD
    assert len(frame) == len(published) == 40
    rows = {r["event_id_cnty"]: r for r in frame.to_dict("records")}
    for event in published:
        row = rows[event["event_id"]]
        assert same(row["event_date"], event["event_date"].isoformat() if event["event_date"] else None)
        assert same(row["year"], str(event["event_date"].year) if event["event_date"] else None)
        for column in ("disorder_type", "event_type", "sub_event_type", "actor1", "actor2", "inter1", "inter2", "country", "admin1", "location", "notes"):
            assert same(row[column], event[column]), column
        for column in ("latitude", "longitude"):
            assert same(None if pd.isna(row[column]) else float(row[column]), event[column])
        assert int(row["fatalities"]) == event["fatalities"]
        assert row["interaction"] == (f"State forces-{event['inter2']}" if event["inter2"] else "State forces only")
    first = rows[published[0]["event_id"]]
    assert first["notes"] == HOSTILE_NOTE and first["source"] == "Wire <b>&</b> Co"
    assert (first["iso"], first["region"]) == ("760", "Middle East")  # ISO 3166 numeric, ACLED's region


def test_text_a_spreadsheet_would_run_as_a_formula_is_made_inert():
    frame = pd.DataFrame([{c: None for c in exports.ACLED_COLUMNS} | {"notes": "=HYPERLINK(\"http://x\")", "actor1": "-Army", "location": "Aleppo"}])
    inert = exports.inert_in_spreadsheets(frame).iloc[0]
    assert (inert["notes"], inert["actor1"], inert["location"]) == ("'=HYPERLINK(\"http://x\")", "'-Army", "Aleppo")


def test_geojson_opens_with_geopandas_and_round_trips(lake, published, tmp_path):
    import geopandas

    frame = geopandas.read_file(export(lake, tmp_path, "geojson"), engine="pyogrio")
    assert len(frame) == len(published) and frame.crs.to_epsg() == 4326
    rows = {r["event_id"]: r for r in frame.to_dict("records")}
    for event in published:
        row = rows[event["event_id"]]
        for column in ("sub_event_type", "actor1", "actor2", "country", "admin1", "location", "notes", "fatalities", "injuries", "confidence"):
            assert same(row[column], event[column]), column
        assert same(None if pd.isna(row["event_date"]) else row["event_date"].date(), event["event_date"])
        if event["latitude"] is None:
            assert row["geometry"] is None
        else:
            assert (row["geometry"].x, row["geometry"].y) == pytest.approx((event["longitude"], event["latitude"]))


def test_geoparquet_round_trips_every_column(lake, published, tmp_path):
    import geopandas
    import pyarrow.parquet as pq

    out = export(lake, tmp_path, "geoparquet")
    assert b"geo" in pq.read_schema(out).metadata  # GeoParquet's metadata: GIS tools find the geometry column
    frame = geopandas.read_parquet(out)
    back = frame.drop(columns=["geometry", *exports.ARTICLE_COLUMNS]).astype(object).where(frame.notna(), None).to_dict("records")
    assert back == published
    assert frame.geometry.isna().sum() == sum(e["latitude"] is None for e in published)


def test_filters_select_by_country_dates_and_event_type(lake, published, tmp_path):
    frame = pd.read_csv(export(lake, tmp_path, "csv", "--country", "syria", "--country", "NGA", "--since", "2024-03-01", "--until", "2024-12-31",
                               "--event-type", "Battles", "--event-type", "Riots"), dtype=str)
    expected = {
        e["event_id"] for e in published
        if e["country"] in ("Syria", "Nigeria") and e["event_date"] and date(2024, 3, 1) <= e["event_date"] <= date(2024, 12, 31)
        and e["event_type"] in ("Battles", "Riots")
    }
    assert expected and set(frame["event_id_cnty"]) == expected


def test_a_named_version_exports_that_version(lake, tmp_path):
    assert len(pd.read_csv(export(lake, tmp_path, "csv", "--version", "v000001"))) == 25


@pytest.mark.parametrize(
    "options, message",
    [
        (["--event-type", "battles"], "unknown event type battles"),
        (["--since", "2024-13-01"], "--since wants a date as YYYY-MM-DD"),
        (["--since", "2025-01-02", "--until", "2025-01-01"], "is after --until"),
        (["--version", "v000009"], "no events version v000009"),
    ],
)
def test_impossible_exports_say_why_in_one_line_and_write_nothing(lake, tmp_path, capsys, options, message):
    out = tmp_path / "never.csv"
    assert main(["export", "--lake", str(lake), "--format", "csv", "--out", str(out), *options]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1
    assert not out.exists()


def test_an_export_that_fails_midway_leaves_no_file(tmp_path):
    def broken(path: Path) -> None:
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_through_temporary(tmp_path / "events.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_csv_to_stdout(lake, capsysbinary):
    assert main(["export", "--lake", str(lake), "--format", "csv", "--out", "-", "--country", "Kenya"]) == 0
    text = capsysbinary.readouterr().out.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(ACLED_DOWNLOAD) and all(",Kenya," in line for line in text.splitlines()[1:])
