"""Every table of a published GTFS feed as CSV (the member's text as the feed has it) and as typed
Parquet: times as int32 seconds after midnight (GTFS hours may pass 24), dates as date32,
coordinates and distances as float64, enumerations and counts as integers, the rest text. An
empty or malformed value is null. The feed is the integrator's open feed, already cleaned
(UTF-8, namespaced ids, script URLs emptied), so it is read straight with pyarrow's CSV reader.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

TIME_COLUMNS = {"arrival_time", "departure_time", "start_time", "end_time", "start_pickup_drop_off_window",
                "end_pickup_drop_off_window"}
DATE_COLUMNS = {"start_date", "end_date", "date", "feed_start_date", "feed_end_date"}
FLOAT_COLUMNS = {"stop_lat", "stop_lon", "shape_pt_lat", "shape_pt_lon", "shape_dist_traveled", "price",
                 "length", "max_slope", "min_width", "amount", "min_fare_amount", "max_fare_amount"}
INT_COLUMNS = {
    "route_type", "route_type_original", "direction_id", "location_type", "wheelchair_boarding",
    "wheelchair_accessible", "bikes_allowed", "stop_sequence", "shape_pt_sequence", "pickup_type",
    "drop_off_type", "continuous_pickup", "continuous_drop_off", "timepoint", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "exception_type", "transfer_type",
    "min_transfer_time", "headway_secs", "exact_times", "route_sort_order", "payment_method", "transfers",
    "transfer_duration", "pathway_mode", "is_bidirectional", "traversal_time", "stair_count",
    "level_index", "is_producer", "is_operator", "is_authority", "cars_allowed", "duration_limit",
    "duration_limit_type", "fare_transfer_type", "transfer_count", "rule_priority", "fare_media_type",
    "is_default_fare_category",
}


@dataclass(frozen=True)
class TableFile:
    table: str
    rows: int
    parquet: Path
    csv: Path


def write_feed_tables(feed_zip: Path, out_dir: Path) -> list[TableFile]:
    """`<table>.parquet` and `<table>.csv` in `out_dir` for every `.txt` at the zip's root."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(feed_zip) as archive:
        for info in sorted(archive.infolist(), key=lambda item: item.filename):
            name = PurePosixPath(info.filename)
            if info.is_dir() or len(name.parts) != 1 or name.suffix != ".txt":
                continue
            data = archive.read(info)
            table_name = name.stem
            csv_path = out_dir / f"{table_name}.csv"
            csv_path.write_bytes(data)
            table = typed_table(read_text_table(data))
            parquet_path = out_dir / f"{table_name}.parquet"
            pq.write_table(table, parquet_path, compression="zstd")
            written.append(TableFile(table_name, table.num_rows, parquet_path, csv_path))
    return written


def read_text_table(data: bytes) -> pa.Table:
    """A GTFS CSV member with every column as text ("" for empty values)."""
    header = data.split(b"\n", 1)[0].decode("utf-8-sig").strip("\r")
    columns = next(csv.reader([header]), [])
    if not columns:
        return pa.table({})
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(encoding="utf-8", block_size=1 << 24),
        convert_options=pacsv.ConvertOptions(column_types={column: pa.string() for column in columns},
                                             strings_can_be_null=False),
    )


def typed_table(table: pa.Table) -> pa.Table:
    """Columns converted by their GTFS name (see the module docstring)."""
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        bare = name.strip()
        if bare in TIME_COLUMNS:
            columns.append(gtfs_time_seconds(column))
        elif bare in DATE_COLUMNS:
            columns.append(gtfs_date(column))
        elif bare in FLOAT_COLUMNS:
            columns.append(_number(column, pa.float64()))
        elif bare in INT_COLUMNS:
            columns.append(_number(column, pa.int64()))
        else:
            columns.append(pc.utf8_trim_whitespace(column))
    return pa.table(columns, names=[name.strip() for name in table.column_names])


def gtfs_time_seconds(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """H:MM:SS (hours may pass 24) as int32 seconds; null when not such a time."""
    text = pc.utf8_trim_whitespace(column)
    valid = pc.match_substring_regex(text, r"^[0-9]{1,3}:[0-5][0-9]:[0-5][0-9]$")
    safe = pc.if_else(valid, text, "0:00:00")
    hours = pc.cast(pc.utf8_slice_codeunits(safe, 0, -6), pa.int32())
    minutes = pc.cast(pc.utf8_slice_codeunits(safe, -5, -3), pa.int32())
    seconds = pc.cast(pc.utf8_slice_codeunits(safe, -2, 2**31 - 1), pa.int32())
    total = pc.cast(pc.add(pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)), seconds), pa.int32())
    return pc.if_else(valid, total, pa.scalar(None, pa.int32()))


def gtfs_date(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """YYYYMMDD as date32; null when not a date."""
    text = pc.utf8_trim_whitespace(column)
    valid = pc.match_substring_regex(text, r"^[0-9]{8}$")
    safe = pc.if_else(valid, text, "19700101")
    stamps = pc.strptime(safe, format="%Y%m%d", unit="s", error_is_null=True)
    return pc.if_else(valid, pc.cast(stamps, pa.date32()), pa.scalar(None, pa.date32()))


def _number(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """Numbers; empty or malformed values null (a float where an integer is due is malformed)."""
    text = pc.utf8_trim_whitespace(column)
    pattern = r"^-?[0-9]+$" if pa.types.is_integer(kind) else r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
    valid = pc.match_substring_regex(text, pattern)
    safe = pc.if_else(valid, text, "0")
    return pc.if_else(valid, pc.cast(safe, kind), pa.scalar(None, kind))
