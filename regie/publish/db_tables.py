"""The published database's GTFS tables: their typed columns, keys and indexes, and a feed's
all-string tables turned into typed Arrow tables in that shape.

Types: ids and text as TEXT (an empty optional value as NULL), numbers as INTEGER or FLOAT,
dates as DATE, the weekday flags of calendar as BOOLEAN, and every GTFS time twice: the text as
the feed has it (`arrival_time`) and seconds after midnight (`arrival_time_s`). Tables without a
natural key (transfers, feed_info, ...) are keyed by `source_row`, the row's CSV record number.
Extension columns a feed adds are not loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    Column,
    Computed,
    Date,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from regie.gtfs.arrow_text import arrow
from regie.gtfs.calendar import epoch_days
from regie.gtfs.columns import column, gtfs_seconds, numeric, rows
from regie.gtfs.feed_tables import TableLookup

SOURCE_ROW = "source_row"
TIME_SUFFIX = "_s"


@dataclass(frozen=True)
class TableSpec:
    """One GTFS table: columns as (name, kind) with kind text | int | float | date | bool | time,
    its primary key, foreign keys (columns, referenced table, referenced columns) and indexes."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    kinds: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", dict(self.columns))

    def sql_columns(self) -> list[str]:
        """The table's columns in the database, in order (a time adds its seconds after it)."""
        names = []
        for name, kind in self.columns:
            names.append(name)
            if kind == "time":
                names.append(name + TIME_SUFFIX)
        return names


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """"a b:int c:time" -> (("a", "text"), ("b", "int"), ("c", "time"))."""
    return tuple((part.split(":")[0], part.split(":")[1] if ":" in part else "text") for part in spec.split())


WEEK = " ".join(f"{day}:bool" for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
SPECS: tuple[TableSpec, ...] = (  # referenced tables before the tables that reference them
    TableSpec("agency", _cols("agency_id agency_name agency_url agency_timezone agency_lang agency_phone "
                              "agency_fare_url agency_email"), ("agency_id",)),
    TableSpec("stops", _cols("stop_id stop_code stop_name tts_stop_name stop_desc stop_lat:float stop_lon:float "
                             "zone_id stop_url location_type:int parent_station stop_timezone "
                             "wheelchair_boarding:int level_id platform_code"), ("stop_id",),
              foreign_keys=((("parent_station",), "stops", ("stop_id",)),), indexes=(("parent_station",),)),
    TableSpec("routes", _cols("route_id agency_id route_short_name route_long_name route_desc route_type:int "
                              "route_url route_color route_text_color route_sort_order:int continuous_pickup:int "
                              "continuous_drop_off:int network_id"), ("route_id",),
              foreign_keys=((("agency_id",), "agency", ("agency_id",)),)),
    TableSpec("calendar", _cols(f"service_id {WEEK} start_date:date end_date:date"), ("service_id",),
              indexes=(("start_date", "end_date"),)),
    TableSpec("calendar_dates", _cols("service_id date:date exception_type:int"), ("service_id", "date"),
              indexes=(("date",),)),
    TableSpec("trips", _cols("route_id service_id trip_id trip_headsign trip_short_name direction_id:int block_id "
                             "shape_id wheelchair_accessible:int bikes_allowed:int"), ("trip_id",),
              foreign_keys=((("route_id",), "routes", ("route_id",)),),
              indexes=(("route_id",), ("service_id",))),
    TableSpec("stop_times", _cols("trip_id arrival_time:time departure_time:time stop_id stop_sequence:int "
                                  "stop_headsign pickup_type:int drop_off_type:int continuous_pickup:int "
                                  "continuous_drop_off:int shape_dist_traveled:float timepoint:int"),
              ("trip_id", "stop_sequence"),
              foreign_keys=((("trip_id",), "trips", ("trip_id",)), (("stop_id",), "stops", ("stop_id",))),
              indexes=(("stop_id", "departure_time_s"),)),
    TableSpec("frequencies", _cols("trip_id start_time:time end_time:time headway_secs:int exact_times:int"),
              ("trip_id", "start_time_s"), foreign_keys=((("trip_id",), "trips", ("trip_id",)),)),
    TableSpec("shapes", _cols("shape_id shape_pt_lat:float shape_pt_lon:float shape_pt_sequence:int "
                              "shape_dist_traveled:float"), ("shape_id", "shape_pt_sequence")),
    TableSpec("transfers", _cols("source_row:int from_stop_id to_stop_id from_route_id to_route_id from_trip_id "
                                 "to_trip_id transfer_type:int min_transfer_time:int"), (SOURCE_ROW,),
              foreign_keys=((("from_stop_id",), "stops", ("stop_id",)), (("to_stop_id",), "stops", ("stop_id",))),
              indexes=(("from_stop_id",),)),
    TableSpec("fare_attributes", _cols("fare_id price:float currency_type payment_method:int transfers:int "
                                       "agency_id transfer_duration:int"), ("fare_id",)),
    TableSpec("fare_rules", _cols("source_row:int fare_id route_id origin_id destination_id contains_id"),
              (SOURCE_ROW,), foreign_keys=((("fare_id",), "fare_attributes", ("fare_id",)),)),
    TableSpec("feed_info", _cols("source_row:int feed_publisher_name feed_publisher_url feed_lang default_lang "
                                 "feed_start_date:date feed_end_date:date feed_version feed_contact_email "
                                 "feed_contact_url"), (SOURCE_ROW,)),
    TableSpec("translations", _cols("source_row:int table_name field_name language translation record_id "
                                    "record_sub_id field_value"), (SOURCE_ROW,),
              indexes=(("table_name", "record_id"),)),
)
SPEC_BY_NAME = {spec.name: spec for spec in SPECS}
SHAPE_LINES = "shape_lines"  # PostgreSQL only: one LineString per shape_id
GEOMETRY_SRID = 4326

_SQL_TYPES: dict[str, type[TypeEngine]] = {"text": Text, "int": Integer, "float": Float, "date": Date,
                                           "bool": Boolean}


def staged_name(table: str, token: str) -> str:
    return f"{table}__{token}"


def build_tables(metadata: MetaData, names: list[str], token: str, *, postgis: bool) -> dict[str, Table]:
    """SQLAlchemy tables for `names` (GTFS table names) under their staging names; foreign keys
    only to tables in `names`. With `postgis`, stops gain a generated Point column `geom` and
    `shape_lines` is added when shapes is there. Index names carry the token, so a load's
    indexes never collide with the live tables' ones."""
    present = set(names)
    tables: dict[str, Table] = {}
    for spec in SPECS:
        if spec.name not in present:
            continue
        columns = [Column(name, _SQL_TYPES[_sql_kind(spec, name)], nullable=name not in spec.key)
                   for name in spec.sql_columns()]
        if postgis and spec.name == "stops":
            columns.append(Column("geom", Geometry("POINT", srid=GEOMETRY_SRID, spatial_index=False), Computed(
                f"ST_SetSRID(ST_MakePoint(stop_lon, stop_lat), {GEOMETRY_SRID})", persisted=True)))
        staged = staged_name(spec.name, token)
        constraints = [PrimaryKeyConstraint(*spec.key, name=f"pk_{staged}")]
        constraints += [ForeignKeyConstraint(list(cols), [f"{staged_name(target, token)}.{ref}" for ref in refs],
                                             name=f"fk_{staged}_{'_'.join(cols)}")
                        for cols, target, refs in spec.foreign_keys if target in present]
        indexes = [Index(f"ix_{staged}_{'_'.join(cols)}", *cols) for cols in spec.indexes]
        if postgis and spec.name == "stops":
            indexes.append(Index(f"ix_{staged}_geom", "geom", postgresql_using="gist"))
        tables[spec.name] = Table(staged, metadata, *columns, *constraints, *indexes)
    if postgis and "shapes" in present:
        staged = staged_name(SHAPE_LINES, token)
        tables[SHAPE_LINES] = Table(staged, metadata, Column("shape_id", Text, primary_key=True),
                                    Column("geom", Geometry("LINESTRING", srid=GEOMETRY_SRID, spatial_index=False)),
                                    Index(f"ix_{staged}_geom", "geom", postgresql_using="gist"))
    return tables


def _sql_kind(spec: TableSpec, name: str) -> str:
    if name.endswith(TIME_SUFFIX) and spec.kinds.get(name.removesuffix(TIME_SUFFIX)) == "time":
        return "int"
    return "text" if spec.kinds[name] == "time" else spec.kinds[name]


def typed_table(spec: TableSpec, frame: pd.DataFrame) -> pa.Table:
    """The feed's all-string table as a typed Arrow table with the spec's columns (a column the
    feed lacks is all NULL). Text is stripped; an empty value is NULL except in key columns."""
    arrays: dict[str, pa.Array] = {}
    for name, kind in spec.columns:
        if name == SOURCE_ROW:
            arrays[name] = pa.array(rows(frame).to_numpy(dtype=np.int64))
        elif kind == "text" or kind == "time":
            arrays[name] = _text(frame, name, keep_empty=name in spec.key)
            if kind == "time":
                arrays[name + TIME_SUFFIX] = _integers(gtfs_seconds(column(frame, name)))
        elif kind == "int":
            arrays[name] = _integers(numeric(frame, name))
        elif kind == "float":
            arrays[name] = pa.array(numeric(frame, name).to_numpy(dtype=float), from_pandas=True)
        elif kind == "date":
            days = epoch_days(column(frame, name))
            arrays[name] = pa.array(days, from_pandas=True).cast(pa.int32(), safe=False).cast(pa.date32())
        else:  # bool: the GTFS flag "1"
            arrays[name] = pa.array((column(frame, name) == "1").to_numpy())
    return pa.table(arrays)


def _text(frame: pd.DataFrame, name: str, *, keep_empty: bool) -> pa.Array:
    values = arrow(column(frame, name)).cast(pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values if keep_empty else pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _integers(values: pd.Series) -> pa.Array:
    return pa.array(values.to_numpy(dtype=float), from_pandas=True).cast(pa.int64(), safe=False)


def typed_tables(feed: TableLookup, names: list[str] | None = None) -> dict[str, pa.Table]:
    """Every table of the feed the database has a spec for, typed (tables the feed lacks are left
    out; `names` limits the choice)."""
    typed = {}
    for spec in SPECS:
        frame = feed.get(spec.name)
        if frame is not None and (names is None or spec.name in names):
            typed[spec.name] = typed_table(spec, frame)
    return typed
