"""The merge benchmark's replica builder (`bench.merge.replicate`): every id prefixed per replica,
so replicas never share an id, references kept, and stops and shapes moved k x 50 km east."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.merge import REPLICA_SHIFT_KM, replicate
from regie.gtfs.feed_tables import ROW, read_feed_tables
from regie.gtfs.geo import haversine_m
from regie.gtfs.spec import ID_COLUMNS

TABLES = {
    "agency": "agency_id,agency_name,agency_url,agency_timezone\nag,Bus Co,https://bus.example,America/New_York",
    "stops": "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,zone_id\n"
             "ST,Central,27.95,-82.46,1,,z1\nP1,\"Central, bay 1\",27.9501,-82.4601,0,ST,z1\n"
             "S2,Market,27.96,-82.45,0,,z2\n",
    "routes": "route_id,agency_id,route_short_name,route_type\nR1,ag,1,3",
    "trips": "route_id,service_id,trip_id,shape_id,block_id\nR1,wk,t1,sh1,b1\nR1,wk,t2,sh1,",
    "stop_times": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "t1,7:00:00,7:00:00,P1,1\nt1,7:10:00,7:10:00,S2,2\nt2,8:00:00,8:00:00,S2,1\nt2,8:10:00,8:10:00,P1,2",
    "calendar": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                "wk,1,1,1,1,1,0,0,20201116,20201127",
    "shapes": "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nsh1,27.9501,-82.4601,1\nsh1,27.96,-82.45,2",
    "transfers": "from_stop_id,to_stop_id,transfer_type\nP1,S2,0",
}


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("feed")
    for name, text in TABLES.items():
        (Path(folder) / f"{name}.txt").write_text(text.strip() + "\n", encoding="utf-8")
    return read_feed_tables(Path(folder))


def _ids(tables: dict[str, pd.DataFrame], kind: str) -> set[str]:
    return {v for table, col, k in ID_COLUMNS if k == kind and table in tables and col in tables[table].columns
            for v in tables[table][col] if v}


def test_replicas_prefix_every_id_and_keep_references(feed):
    replicas = [replicate(feed, k)[0] for k in range(3)]
    for k, replica in enumerate(replicas):
        assert set(replica.tables) == set(feed.tables)
        for table, col, _ in ID_COLUMNS:
            if table in feed.tables and col in feed.tables[table].columns:
                original = feed.tables[table][col]
                values = replica.tables[table][col]
                assert len(values) == len(original)
                assert ((values == "") == (original == "")).all(), (table, col)
                assert (values[original != ""] == f"r{k}-" + original[original != ""]).all(), (table, col)
        assert set(replica.tables["stop_times"]["stop_id"]) <= set(replica.tables["stops"]["stop_id"])
        assert set(replica.tables["trips"]["shape_id"]) <= set(replica.tables["shapes"]["shape_id"])
        assert replica.tables["stops"][ROW].tolist() == feed.tables["stops"][ROW].tolist()
        assert replica.tables["stops"]["stop_name"].tolist() == feed.tables["stops"]["stop_name"].tolist()
    for kind in ("stop", "trip", "route", "service", "shape", "agency", "zone", "block"):
        per_replica = [_ids(r.tables, kind) for r in replicas]
        assert all(per_replica), kind
        assert len(set().union(*per_replica)) == sum(map(len, per_replica)), kind  # no id shared


def test_replicas_move_stops_and_shapes_k_times_50_km_east(feed):
    for k in (1, 4):
        replica, size = replicate(feed, k)
        assert size > 0
        for table, lat, lon in (("stops", "stop_lat", "stop_lon"), ("shapes", "shape_pt_lat", "shape_pt_lon")):
            before, after = feed.tables[table], replica.tables[table]
            assert (after[lat] == before[lat]).all()
            moved = haversine_m(before[lat].astype(float), before[lon].astype(float),
                                after[lat].astype(float), after[lon].astype(float))
            np.testing.assert_allclose(moved, k * REPLICA_SHIFT_KM * 1000, rtol=2e-3)
            assert (after[lon].astype(float) > before[lon].astype(float)).all()
    assert replicate(feed, 0)[0].tables["stops"]["stop_lon"].astype(float).tolist() == \
        feed.tables["stops"]["stop_lon"].astype(float).tolist()
