"""The published database's GTFS tables: their typed columns, keys and indexes, and a feed's
all-string tables turned into typed Arrow tables in that shape.

Types: ids and text as TEXT (an empty optional value as NULL), numbers as INTEGER or FLOAT,
dates as DATE, the weekday flags of calendar as BOOLEAN, and every GTFS time twice: the text as
the feed has it (`arrival_time`) and seconds after midnight (`arrival_time_s`). Tables without a
natural key (transfers, feed_info, ...) are keyed by `source_row`, the row's CSV record number.
Extension columns a feed adds are not loaded.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
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

from regie.publish.tables import gtfs_date, gtfs_time_seconds, read_text_table

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


_ARROW_TYPES = {"text": pa.string(), "time": pa.string(), "int": pa.int64(), "float": pa.float64(),
                "date": pa.date32(), "bool": pa.bool_()}


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
        constraints: list[PrimaryKeyConstraint | ForeignKeyConstraint] = [
            PrimaryKeyConstraint(*spec.key, name=f"pk_{staged}")]
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


def typed_table(spec: TableSpec, table: pa.Table) -> pa.Table:
    """A GTFS table as a typed Arrow table with the spec's columns (a column the feed lacks is
    all NULL). The source is the feed's text (`regie.publish.tables.read_text_table`) or the
    release's typed Parquet table (times as seconds, dates as dates, numbers, text; see
    `regie.publish.tables`): text is trimmed; an empty value is NULL except in key columns; a
    malformed number, time or date is NULL; a time's text is written HH:MM:SS from its seconds
    when the source only has the seconds."""
    present = {name.strip(): values for name, values in zip(table.column_names, table.columns, strict=True)}
    arrays: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name, kind in spec.columns:
        if name == SOURCE_ROW:  # the CSV record number, the header being 1
            arrays[name] = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
            continue
        if name not in present:  # a key column the feed may leave out (agency_id of one agency) is ""
            missing = pa.nulls(table.num_rows, _ARROW_TYPES[kind])
            arrays[name] = pc.fill_null(missing, "") if name in spec.key else missing
            if kind == "time":
                arrays[name + TIME_SUFFIX] = pa.nulls(table.num_rows, pa.int64())
            continue
        values = present[name]
        if _is_text(values.type):
            values = pc.utf8_trim_whitespace(values)
        if kind == "time" and not _is_text(values.type):
            arrays[name + TIME_SUFFIX] = pc.cast(values, pa.int64())
            values = _per_distinct(arrays[name + TIME_SUFFIX], _clock_text)
            arrays[name] = values if name in spec.key else _empty_as_null(values)
        elif kind in ("text", "time"):
            values = values if _is_text(values.type) else pc.cast(values, pa.string())
            arrays[name] = values if name in spec.key else _empty_as_null(values)
            if kind == "time":
                arrays[name + TIME_SUFFIX] = _per_distinct(values, lambda v: pc.cast(gtfs_time_seconds(v), pa.int64()))
        elif not _is_text(values.type):  # typed already
            arrays[name] = pc.equal(values, 1) if kind == "bool" else pc.cast(values, _ARROW_TYPES[kind])
        elif kind == "int":
            arrays[name] = _per_distinct(values, lambda v: _number(v, pa.int64(), r"^[-+]?[0-9]+$"))
        elif kind == "float":
            arrays[name] = _per_distinct(values, lambda v: _number(
                v, pa.float64(), r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"))
        elif kind == "date":
            arrays[name] = _per_distinct(values, gtfs_date)
        else:  # bool: the GTFS flag "1"
            arrays[name] = pc.equal(values, "1")
    return pa.table(arrays)


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _clock_text(seconds: pa.Array) -> pa.Array:
    """Seconds after midnight as HH:MM:SS (hours may pass 24), "" for NULL."""
    minutes = pc.divide(seconds, 60)  # integer division on integers
    hours = pc.divide(seconds, 3600)
    parts = [hours, pc.subtract(minutes, pc.multiply(hours, 60)), pc.subtract(seconds, pc.multiply(minutes, 60))]
    padded = [pc.utf8_lpad(pc.cast(part, pa.string()), 2, "0") for part in parts]
    return pc.fill_null(pc.binary_join_element_wise(*padded, ":"), "")


def _per_distinct(values: pa.ChunkedArray | pa.Array, convert: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """`convert` applied to the distinct values only, then spread back (GTFS times, sequences and
    flags repeat a lot: far fewer values to parse)."""
    encoded = pc.dictionary_encode(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
    return pc.take(convert(encoded.dictionary), encoded.indices)


def _empty_as_null(values: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


def _number(values: pa.ChunkedArray | pa.Array, kind: pa.DataType, pattern: str) -> pa.ChunkedArray | pa.Array:
    valid = pc.match_substring_regex(values, pattern)
    return pc.if_else(valid, pc.cast(pc.if_else(valid, values, "0"), kind), pa.scalar(None, kind))


def read_text_tables(feed: Path, names: Iterable[str] | None = None) -> dict[str, pa.Table]:
    """The `.txt` tables at the root of a GTFS zip as text (`names`: only those tables)."""
    wanted = set(names) if names is not None else None
    tables = {}
    with zipfile.ZipFile(feed) as archive:
        for info in archive.infolist():
            member = PurePosixPath(info.filename)
            if info.is_dir() or len(member.parts) != 1 or member.suffix != ".txt":
                continue
            if wanted is None or member.stem in wanted:
                tables[member.stem] = read_text_table(archive.read(info))
    return tables


def read_parquet_tables(folder: Path, names: Iterable[str] | None = None) -> dict[str, pa.Table]:
    """The release's typed tables, `<table>.parquet` in `folder` (`names`: only those)."""
    wanted = set(names) if names is not None else None
    return {path.stem: pq.read_table(path) for path in sorted(folder.glob("*.parquet"))
            if wanted is None or path.stem in wanted}


def typed_tables(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Every table the database has a spec for, typed, in the specs' order (others left out)."""
    return {spec.name: typed_table(spec, tables[spec.name]) for spec in SPECS if spec.name in tables}
