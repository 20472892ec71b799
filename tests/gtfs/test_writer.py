"""The GTFS feed writer: CSV rendered in row batches (`regie.gtfs.csv_text`) and the streaming,
block-parallel zip writer (`regie.gtfs.zip_writer`): members larger than one deflate block, ZIP64
fields, determinism."""

from __future__ import annotations

import zipfile
import zlib

import numpy as np
import pandas as pd

from regie.gtfs import zip_writer
from regie.gtfs.csv_text import TableParts, csv_size_bound, ordered_columns, table_csv, table_csv_chunks


def _stop_times(rows: int) -> pd.DataFrame:
    return pd.DataFrame({
        "trip_id": pd.Series([f"op:t{i // 40}" for i in range(rows)], dtype="str"),
        "arrival_time": pd.Series([f"{6 + i % 18:02d}:{i % 60:02d}:00" for i in range(rows)], dtype="str"),
        "stop_id": pd.Series([f"op:s{i % 977}" if i % 1000 else 'op:"quoted, stop"' for i in range(rows)], dtype="str"),
        "stop_sequence": np.arange(rows) % 40,
        "shape_dist_traveled": np.where(np.arange(rows) % 7, np.arange(rows) / 3, np.nan),
    })


def test_large_members_are_deflated_in_blocks_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setattr(zip_writer, "DEFLATE_BLOCK", 1 << 16)  # many blocks, several in flight
    frame = _stop_times(60_000)
    expected = table_csv("stop_times", frame)
    assert len(expected) > 20 * zip_writer.DEFLATE_BLOCK
    assert b"".join(bytes(p) for p in table_csv_chunks("stop_times", frame, batch_rows=777)) == expected
    assert expected.splitlines()[1001].decode() == 'op:t25,16:40:00,"op:""quoted, stop""",0,333.3'
    zip_writer.write_gtfs_zip(tmp_path / "a.zip", {"stop_times": frame, "agency": [{"agency_id": "x"}]})
    zip_writer.write_gtfs_zip(tmp_path / "b.zip", {"agency": [{"agency_id": "x"}], "stop_times": frame})
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["agency.txt", "stop_times.txt"]
        assert archive.read("stop_times.txt") == expected
        info = archive.getinfo("stop_times.txt")
        assert zlib.crc32(expected) == info.CRC and info.compress_size < len(expected) / 3


def test_zip64_fields_when_sizes_may_pass_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(zip_writer, "_ZIP64_LIMIT", 1000)  # every size and offset "large"
    frame = _stop_times(5_000)
    zip_writer.write_gtfs_zip(tmp_path / "z.zip", {"stop_times": frame, "notes.txt": "x" * 3000, "é.txt": b"raw"})
    with zipfile.ZipFile(tmp_path / "z.zip") as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["notes.txt", "stop_times.txt", "é.txt"]
        assert archive.read("stop_times.txt") == table_csv("stop_times", frame)
        assert archive.read("notes.txt") == b"x" * 3000
        assert archive.getinfo("stop_times.txt").extract_version == 45


def test_zip_bytes_matches_the_file_writer(tmp_path):
    members = {"b.txt": b"b" * 100_000, "a.txt": b"a,b\n1,2\n"}
    data = zip_writer.zip_bytes(members)
    zip_writer.write_gtfs_zip(tmp_path / "m.zip", members)
    assert data == (tmp_path / "m.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "m.zip") as archive:
        assert archive.namelist() == ["a.txt", "b.txt"] and archive.read("b.txt") == b"b" * 100_000


def test_categorical_columns_and_table_parts_render_as_text(tmp_path):
    from regie.gtfs.compact import compact_frame

    frame = _stop_times(5_000)
    compact = compact_frame(frame)
    assert isinstance(compact["stop_id"].dtype, pd.CategoricalDtype)
    assert table_csv("stop_times", compact) == table_csv("stop_times", frame)
    assert csv_size_bound(compact) >= len(table_csv("stop_times", frame))
    other = pd.DataFrame({"trip_id": pd.Series(["b:t1", "b:t1"], dtype="str"),
                          "stop_id": pd.Series(["b:s1", "b:s,2"], dtype="str"),
                          "timepoint": pd.Series(["1", "0"], dtype="str")})
    columns = ordered_columns("stop_times", [*frame.columns, "timepoint"])
    parts = TableParts(columns, [compact.head(3), other, frame.head(0)])
    assert len(parts) == 5
    lines = table_csv("stop_times", parts).decode().splitlines()
    assert lines[0] == "trip_id,arrival_time,stop_id,stop_sequence,timepoint,shape_dist_traveled"
    assert lines[1] == "op:t0,06:00:00,\"op:\"\"quoted, stop\"\"\",0,,"
    assert lines[4:] == ['b:t1,,b:s1,,1,', 'b:t1,,"b:s,2",,0,']
    assert csv_size_bound(parts) >= len("\n".join(lines)) + 1
    zip_writer.write_gtfs_zip(tmp_path / "p.zip", {"stop_times": parts})
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert archive.read("stop_times.txt").decode().splitlines() == lines
