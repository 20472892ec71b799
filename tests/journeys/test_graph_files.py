"""Graph files: written and read back array for array, typed as documented, loadable with
pyarrow alone (SCHEMA.md and the README say how)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.parquet as pq
import pytest

from regie.journeys.bikeshare import BikeSystem
from regie.journeys.build import build_graph
from regie.journeys.files import TABLES, read_graph_files, schema_markdown, write_graph_files
from regie.store.paths import PROJECT_ROOT
from tests.journeys.graph_feeds import BASE, write_feed


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    feed = write_feed(tmp_path_factory.mktemp("feed"), BASE)
    bike = BikeSystem("velo", "Vélo", ["X", "Y"], ["Bikes X", "Bikes Y"], np.array([43.0101, 43.0301]),
                      np.array([-1.0, -1.0]), np.array([10, -1], dtype=np.int32), np.array([3, 0], dtype=np.int32),
                      np.array([0, 5], dtype=np.int32))
    return build_graph(feed, first_service_day=date(2024, 3, 6), days=2, timezone="Europe/Paris", bike=bike)


def test_files_read_back_equal(graph, tmp_path):
    paths = write_graph_files(graph, tmp_path)
    assert {p.name for p in paths.values()} == {f"{n}.parquet" for n in TABLES} | {"graph.json", "SCHEMA.md"}
    assert not list(tmp_path.glob(".*tmp"))
    back = read_graph_files(tmp_path)
    for field in dataclasses.fields(graph):
        mine, theirs = getattr(graph, field.name), getattr(back, field.name)
        if isinstance(mine, np.ndarray):
            assert theirs.dtype == mine.dtype, field.name
            assert np.array_equal(theirs, mine, equal_nan=mine.dtype != object), field.name
        else:
            assert theirs == mine, field.name
    assert len(graph.bike_stop) == 2 and graph.connection_count > 0 and len(graph.shape_ids) == 1


def test_files_are_typed_as_documented(graph, tmp_path):
    write_graph_files(graph, tmp_path)
    for name, columns in TABLES.items():
        schema = pq.read_schema(tmp_path / f"{name}.parquet")
        assert [(f.name, f.type) for f in schema] == [(c, t) for c, t, _, _ in columns]
    schema_text = (tmp_path / "SCHEMA.md").read_text(encoding="utf-8")
    assert schema_text.endswith(schema_markdown())
    for name, columns in TABLES.items():
        assert f"`{name}.parquet`" in schema_text and all(f"| `{c}` |" in schema_text for c, *_ in columns)


def test_the_readme_documents_the_files():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Journey graph files"):]
    assert schema_markdown() in section


def test_a_reuser_reads_local_times_with_pyarrow_alone(graph, tmp_path):
    write_graph_files(graph, tmp_path)
    meta = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))
    connections = pq.read_table(tmp_path / "connections.parquet").to_pydict()
    trips = pq.read_table(tmp_path / "trips.parquet").to_pydict()
    stops = pq.read_table(tmp_path / "stops.parquet").to_pydict()
    zone = ZoneInfo(meta["timezone"])
    origin = datetime.fromisoformat(meta["first_day"]).replace(hour=12, tzinfo=zone).timestamp() - 12 * 3600
    row = next(i for i, t in enumerate(connections["trip"]) if trips["trip_id"][t] == "op:t2"
               and trips["day"][t] == 1)
    when = datetime.fromtimestamp(origin + connections["dep"][row], zone)
    assert (when.date(), when.hour, when.minute) == (date(2024, 3, 6), 9, 0)
    assert stops["stop_id"][connections["dep_stop"][row]] == "op:A"
    assert meta["counts"]["connections"] == graph.connection_count and meta["days"] == 3


def test_an_empty_feed_gives_an_empty_graph_that_reads_back(tmp_path):
    graph = build_graph({}, first_service_day=date(2024, 3, 6), days=1, timezone="UTC")
    assert graph.stop_count == graph.connection_count == 0 and list(graph.foot_offsets) == [0]
    write_graph_files(graph, tmp_path)
    back = read_graph_files(tmp_path)
    assert back.stop_count == 0 and back.first_day == date(2024, 3, 5) and list(back.day_start) == [0, 86_400]


def test_files_of_another_schema_version_are_refused(graph, tmp_path):
    write_graph_files(graph, tmp_path)
    meta = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))
    (tmp_path / "graph.json").write_text(json.dumps({**meta, "schema_version": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="schema_version 99"):
        read_graph_files(tmp_path)
