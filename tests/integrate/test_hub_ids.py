"""Hub ids come from what the hub joins: stable when unrelated operators are added, the same id
meaning the same members in every feed of a run; the internal and open feeds' versions differ."""

from __future__ import annotations

import pandas as pd

from regie.integrate.merge.regional import regional_feed_version
from regie.integrate.stops.matching import hub_id_for, match_stops, restrict_match

COLUMNS = ["operator_id", "stop_id", "stop_name", "stop_lat", "stop_lon", "location_type", "parent_station", "mode"]
BASE = [
    # two bus stops at the town hall of two operators (no station: a new hub station is created)
    ("bus", "bus:TH", "Mairie", 43.4800, -1.5580, 0, "", "bus"),
    ("tram", "tram:TH", "Mairie", 43.4801, -1.5581, 0, "", "tram"),
    # and a second interchange further on
    ("bus", "bus:GA", "Gare", 43.4900, -1.4800, 0, "", "bus"),
    ("tram", "tram:GA", "Gare", 43.4901, -1.4801, 0, "", "tram"),
]
# an operator whose stops lie elsewhere, and whose ids sort before every other one
UNRELATED = [
    ("aaa", "aaa:1", "Mairie", 43.3000, -1.9000, 0, "", "bus"),
    ("aaa", "aaa:2", "Gare", 43.3100, -1.9100, 0, "", "bus"),
    ("aaa", "aaa:3", "Port", 43.3105, -1.9105, 0, "", "bus"),
    ("zzz", "zzz:1", "Port", 43.3106, -1.9106, 0, "", "ferry"),
]


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _hubs_by_members(result) -> dict[tuple[str, ...], tuple[str, float, float]]:
    return {tuple(row.members): (row.hub_id, row.station_lat, row.station_lon) for row in result.hubs.itertuples()}


def test_hub_ids_survive_an_unrelated_operator():
    before = _hubs_by_members(match_stops(_frame(BASE)))
    after = _hubs_by_members(match_stops(_frame(UNRELATED + BASE)))
    assert len(before) == 2 and len(after) == 3  # aaa:3 + zzz:1 make a third hub
    for members, (hub_id, lat, lon) in before.items():
        assert after[members] == (hub_id, lat, lon)
    assert len({hub_id for hub_id, _, _ in after.values()}) == 3


def test_a_hub_id_is_its_members_hash_and_names_the_same_hub_in_both_feeds():
    stops = _frame(UNRELATED + BASE)
    result = match_stops(stops)
    for row in result.hubs.itertuples():
        assert row.hub_id == hub_id_for(row.members) == hub_id_for(reversed(row.members))
        assert row.hub_id.startswith("hub:") and len(row.hub_id) == len("hub:") + 12
        assert row.station_id == row.hub_id  # no station in these hubs: the new one takes the hub's id
    internal = _hubs_by_members(result)
    opened = _hubs_by_members(restrict_match(stops, result, ["bus", "tram", "aaa"]))  # zzz restricted
    assert set(opened) < set(internal)
    for members, (hub_id, _, _) in opened.items():
        assert internal[members][0] == hub_id
    internal_ids = {hub_id for hub_id, _, _ in internal.values()}
    assert hub_id_for(["aaa:3", "zzz:1"]) in internal_ids
    assert not {hub_id for hub_id, _, _ in opened.values()} - internal_ids


def test_the_regional_feeds_of_one_run_carry_distinct_versions():
    assert regional_feed_version("2026-12-06-1a2b3c4d5e6f", "internal") == "2026-12-06-1a2b3c4d5e6f-internal"
    assert regional_feed_version("2026-12-06-1a2b3c4d5e6f", "open") != regional_feed_version(
        "2026-12-06-1a2b3c4d5e6f", "internal")
