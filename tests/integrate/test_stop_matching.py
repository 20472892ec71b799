"""Cross-operator stop matching, hubs, overrides and walking transfers (regie.integrate.stops), on the real
Bay Area set (BART, Caltrain, County Connection) and on small synthetic frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regie.config.loader import ConfigError
from regie.gtfs.feed_tables import read_feed_tables
from regie.gtfs.geo import haversine_m
from regie.integrate.stops.frame import combined_stops, operator_transfers
from regie.integrate.stops.matching import apply_hubs, candidate_pairs, match_stops, score_pairs
from regie.integrate.stops.names import name_similarity, normalise_name
from regie.integrate.stops.overrides import StopMatchOverrides, load_stop_matches
from regie.integrate.stops.spatial import pairs_within
from regie.integrate.stops.transfers import walking_transfers

ROOT = Path(__file__).resolve().parents[2]
BAY_AREA = {"bart": "bart_2018-05-26.zip", "caltrain": "caltrain_2017-10-02.zip",
            "countyconnection": "countyconnection_2018-08-12.zip"}
# BART station -> the other operator whose stop or station must be matched with it
KNOWN_INTERCHANGES = {"MLBR": "caltrain", "PHIL": "countyconnection", "WCRK": "countyconnection",
                      "CONC": "countyconnection", "NCON": "countyconnection", "ORIN": "countyconnection",
                      "LAFY": "countyconnection", "DUBL": "countyconnection"}


@pytest.fixture(scope="module")
def bay_feeds(feeds_dir: Path):
    folder = feeds_dir / "regional_bayarea"
    if not folder.is_dir():
        pytest.skip(f"Bay Area feeds not found at {folder}")
    return {operator: read_feed_tables(folder / name) for operator, name in BAY_AREA.items()}


@pytest.fixture(scope="module")
def bay_stops(bay_feeds) -> pd.DataFrame:
    return combined_stops(bay_feeds)


@pytest.fixture(scope="module")
def bay_result(bay_stops):
    return match_stops(bay_stops)


def _kept(result) -> pd.DataFrame:
    return result.matches[result.matches["decision"].isin(["auto", "forced"])]


# --- the combined frame ------------------------------------------------------------------------

def test_combined_frame_is_namespaced_with_modes(bay_stops):
    assert bay_stops["stop_id"].str.match(r"^(bart|caltrain|countyconnection):").all()
    assert bay_stops["stop_id"].is_unique
    modes = bay_stops.groupby("operator_id")["mode"].agg(lambda m: set(m) - {""})
    assert modes["bart"] == {"metro"}
    assert "rail" in modes["caltrain"]
    assert modes["countyconnection"] == {"bus"}
    station = bay_stops.set_index("stop_id").loc["countyconnection:S1"]
    assert station["location_type"] == 1 and station["mode"] == "bus"  # a station takes its children's mode


# --- names -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("BART Concord", "Concord"),
    ("Millbrae BART", "Millbrae Caltrain"),
    ("Pleasant Hill/Contra Costa Centre BART", "Pleasant Hill BART Station"),
    ("Estación de Irún", "Gare d'Irun"),
    ("Donostia Geltokia", "DONOSTIA - quai 2"),
])
def test_names_that_mean_the_same_stop_are_similar(a, b):
    assert name_similarity(normalise_name(a), normalise_name(b)) == pytest.approx(1.0)


def test_unrelated_names_are_not_similar():
    assert name_similarity(normalise_name("Walnut Creek"), normalise_name("Main St & Civic Dr")) < 0.3
    assert normalise_name("Gare d'Hendaye") == "hendaye"


# --- spatial index -----------------------------------------------------------------------------

@pytest.mark.parametrize("latitude", [0.0, 37.9, 64.0])
def test_grid_index_finds_exactly_the_brute_force_pairs(latitude):
    rng = np.random.default_rng(7)
    lat = latitude + rng.uniform(0, 0.02, 600)
    lon = -122.0 + rng.uniform(0, 0.05, 600)
    groups = rng.integers(0, 3, 600)
    i, j, distance = pairs_within(lat, lon, 150.0, groups=groups)
    a, b = np.triu_indices(600, k=1)
    all_d = haversine_m(lat[a], lon[a], lat[b], lon[b])
    keep = (all_d <= 150.0) & (groups[a] != groups[b])
    assert set(zip(i.tolist(), j.tolist())) == set(zip(a[keep].tolist(), b[keep].tolist()))
    assert np.allclose(np.sort(distance), np.sort(all_d[keep]))


def test_candidates_are_of_different_operators_and_within_distance(bay_stops):
    pairs = candidate_pairs(bay_stops, 150)
    assert len(pairs) > 0
    assert (pairs["operator_a"] != pairs["operator_b"]).all()
    assert (pairs["distance_m"] <= 150).all()
    assert (pairs["stop_id_a"] < pairs["stop_id_b"]).all()
    assert set(pairs["location_type_a"]) | set(pairs["location_type_b"]) <= {0, 1}


# --- the known Bay Area interchanges -----------------------------------------------------------

@pytest.mark.parametrize(("bart_id", "other"), sorted(KNOWN_INTERCHANGES.items()))
def test_known_interchange_is_matched(bay_result, bart_id, other):
    kept = _kept(bay_result)
    stop = f"bart:{bart_id}"
    found = kept[((kept["stop_id_a"] == stop) & (kept["operator_b"] == other))
                 | ((kept["stop_id_b"] == stop) & (kept["operator_a"] == other))]
    assert len(found), f"{stop} not matched with any {other} stop"
    assert 5 <= found["distance_m"].min() <= 72
    assert (found["decision"] == "auto").all()
    assert found["reason"].str.contains("m apart").all()
    hub = bay_result.hubs[bay_result.hubs["members"].map(lambda m: stop in m)]
    assert len(hub) == 1 and other in hub.iloc[0]["operators"]


def test_millbrae_bart_and_caltrain_are_44_m_apart(bay_result):
    row = _kept(bay_result).set_index(["stop_id_a", "stop_id_b"]).loc[("bart:MLBR", "caltrain:70061")]
    assert row["distance_m"] == pytest.approx(44, abs=1)
    assert row["name_score"] == pytest.approx(1.0)
    assert row["score"] >= 0.8


def test_no_match_beyond_the_threshold(bay_stops):
    for threshold in (150, 40):
        result = match_stops(bay_stops, max_distance_m=threshold)
        assert (result.matches["distance_m"] <= threshold).all()
        assert (result.candidates["distance_m"] <= threshold).all()
    # and nothing further than 150 m is matched by default, though stops 150-400 m apart exist
    assert (walking_transfers(bay_stops)["distance_m"] > 150).any()


def test_unrelated_close_stops_are_rejected(bay_result):
    rejected = bay_result.candidates[bay_result.candidates["decision"] == "rejected"]
    assert {("bart:NCON", "countyconnection:83781")} <= set(zip(rejected["stop_id_a"], rejected["stop_id_b"]))
    assert (rejected["name_score"] < 0.5).all()


# --- hubs --------------------------------------------------------------------------------------

def _assert_no_nested_stations(stops: pd.DataFrame) -> None:
    by_id = stops.set_index("stop_id")
    stations = by_id[by_id["location_type"] == 1]
    assert (stations["parent_station"] == "").all(), "a station has a parent"
    children = by_id[(by_id["parent_station"] != "") & by_id["location_type"].isin([0, 2, 3])]
    assert children["parent_station"].isin(stations.index).all(), "a parent is not a station"


def test_bay_area_hubs_reuse_stations_and_never_nest(bay_stops, bay_result):
    hubs = bay_result.hubs.set_index("station_id")
    assert len(hubs) == 8
    walnut = hubs.loc["countyconnection:S5"]  # County Connection's station is reused for BART WCRK
    assert not walnut["station_is_new"] and "bart:WCRK" in walnut["members"]
    millbrae = bay_result.hubs[bay_result.hubs["members"].map(lambda m: "bart:MLBR" in m)].iloc[0]
    assert millbrae["station_is_new"] and millbrae["station_id"].startswith("hub:")
    assert millbrae["station_name"] == "Millbrae"
    assert set(millbrae["members"]) == {"bart:MLBR", "caltrain:70061", "caltrain:70062"}
    merged = apply_hubs(bay_stops, bay_result)
    _assert_no_nested_stations(merged)
    assert merged.set_index("stop_id").loc["bart:WCRK", "parent_station"] == "countyconnection:S5"
    assert merged.set_index("stop_id").loc["caltrain:70061", "parent_station"] == millbrae["station_id"]
    assert len(merged) == len(bay_stops) + bay_result.hubs["station_is_new"].sum()


def _synthetic_stations() -> pd.DataFrame:
    rows = [  # two operators each with a station and platforms at the same place, plus a far stop
        ("a", "a:ST", "Gare de Hendaye", 43.3530, -1.7830, 1, "", "rail"),
        ("a", "a:P1", "Hendaye quai 1", 43.3531, -1.7831, 0, "a:ST", "rail"),
        ("a", "a:P2", "Hendaye quai 2", 43.3529, -1.7829, 0, "a:ST", "rail"),
        ("a", "a:X", "Somewhere else", 43.3700, -1.7600, 0, "", "rail"),
        ("a", "a:Y", "Another stop", 43.3800, -1.7500, 0, "", "rail"),
        ("b", "b:ST", "Hendaia Geltokia", 43.3532, -1.7832, 1, "", "rail"),
        ("b", "b:P1", "Hendaia", 43.3533, -1.7833, 0, "b:ST", "rail"),
        ("b", "b:E1", "Hendaia sarrera", 43.3534, -1.7834, 2, "b:ST", ""),
        ("b", "b:Z", "Irun", 43.3400, -1.7900, 0, "", "rail"),
    ]
    return pd.DataFrame(rows, columns=["operator_id", "stop_id", "stop_name", "stop_lat", "stop_lon",
                                       "location_type", "parent_station", "mode"])


def test_two_matching_stations_merge_into_one_hub_without_nesting():
    stops = _synthetic_stations()
    result = match_stops(stops)
    assert len(result.hubs) == 1
    hub = result.hubs.iloc[0]
    assert hub["station_id"] == "a:ST"  # operator a has more stops
    assert hub["merged_stations"] == ["b:ST"]
    moved = result.reparent.set_index("stop_id")
    assert moved.loc["b:P1", "new_parent_station"] == "a:ST"
    assert moved.loc["b:E1", "reason"] == "child of merged station b:ST"  # an entrance follows
    assert "b:ST" not in set(moved.index) and "a:ST" not in set(moved.index)
    after = apply_hubs(stops, result)
    _assert_no_nested_stations(after)
    assert after.set_index("stop_id").loc["b:ST", "parent_station"] == ""


def test_score_pairs_explains_each_score():
    pairs = candidate_pairs(_synthetic_stations(), 150)
    scored = score_pairs(pairs)
    assert {"distance_score", "name_score", "mode_score", "score", "reason"} <= set(scored.columns)
    expected = 0.35 * scored["distance_score"] + 0.5 * scored["name_score"] + 0.15 * scored["mode_score"]
    assert np.allclose(scored["score"], expected)
    assert scored["reason"].str.contains("names 'hendaye' ~ 'hendaia'").any()


# --- overrides ---------------------------------------------------------------------------------

def test_overrides_force_and_deny(bay_stops):
    overrides = StopMatchOverrides.model_validate({
        "force": [["bart:ORIN", "countyconnection:S6"]],  # ~10 km apart: forced anyway
        "deny": [{"a": "caltrain:70061", "b": "bart:MLBR", "note": "test"}, ["bart:GONE", "caltrain:70062"]],
    })
    result = match_stops(bay_stops, overrides)
    by_pair = result.matches.set_index(["stop_id_a", "stop_id_b"])
    assert by_pair.loc[("bart:MLBR", "caltrain:70061"), "decision"] == "denied"
    assert "denied by override" in by_pair.loc[("bart:MLBR", "caltrain:70061"), "reason"]
    assert by_pair.loc[("bart:ORIN", "countyconnection:S6"), "decision"] == "forced"
    assert by_pair.loc[("bart:ORIN", "countyconnection:S6"), "distance_m"] > 150
    millbrae = result.hubs[result.hubs["members"].map(lambda m: "bart:MLBR" in m)].iloc[0]
    assert "caltrain:70061" not in millbrae["members"] and "caltrain:70062" in millbrae["members"]
    orinda = result.hubs[result.hubs["members"].map(lambda m: "bart:ORIN" in m)].iloc[0]
    assert orinda["station_id"] == "countyconnection:S6"
    assert result.unknown_overrides == [{"kind": "deny", "a": "bart:GONE", "b": "caltrain:70062",
                                         "missing": "bart:GONE"}]
    assert not result.review["decision"].isin(["forced", "denied"]).any()


def test_example_overrides_file_parses():
    overrides = load_stop_matches(ROOT / "configs" / "stop_matches.example.yaml", missing_ok=False)
    assert ("bart:ORIN", "countyconnection:831366") in overrides.forced()
    assert ("bart:WCRK", "countyconnection:831950") in overrides.denied()


def test_missing_overrides_file_is_no_overrides(tmp_path):
    assert load_stop_matches(tmp_path / "stop_matches.yaml") == StopMatchOverrides()
    with pytest.raises(ConfigError, match="file not found"):
        load_stop_matches(tmp_path / "stop_matches.yaml", missing_ok=False)


@pytest.mark.parametrize(("text", "message"), [
    ("force:\n  - [bart:MLBR]\n", r"force\[0\].*two namespaced stop ids"),
    ("force:\n  - [MLBR, caltrain:70061]\n", r"'MLBR' is not a namespaced stop id"),
    ("deny:\n  - [bart:MLBR, bart:MLBR]\n", r"two different stops"),
    ("force:\n  - [bart:A, caltrain:B]\ndeny:\n  - [caltrain:B, bart:A]\n", r"both forced and denied: bart:A / caltrain:B"),
    ("forse: []\n", r"key 'forse': unknown key \(expected one of: deny, force\)"),
])
def test_bad_overrides_file_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "stop_matches.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as error:
        load_stop_matches(path)
    assert str(path) in str(error.value)


# --- transfers ---------------------------------------------------------------------------------

def test_walking_transfer_times_follow_the_formula(bay_stops, bay_result):
    minimum = {("metro", "bus"): 180, ("rail", "metro"): 240}
    transfers = walking_transfers(bay_stops, bay_result.matches, max_walk_m=400, detour_factor=1.4,
                                  walk_speed_mps=1.1, min_transfer_s=minimum, default_min_transfer_s=90)
    assert (transfers["source"] == "generated").all() and (transfers["transfer_type"] == 2).all()
    expected = np.ceil(transfers["distance_m"] * 1.4 / 1.1 + transfers["mode_min_s"])
    assert (transfers["min_transfer_time"].astype(float) == expected).all()
    by_pair = transfers.set_index(["from_stop_id", "to_stop_id"])
    assert by_pair.loc[("caltrain:70061", "bart:MLBR"), "mode_min_s"] == 240  # looked up either way round
    assert by_pair.loc[("bart:MLBR", "caltrain:70061"), "matched"]
    assert by_pair.loc[("bart:WCRK", "countyconnection:831942"), "mode_min_s"] == 180
    # both directions, different operators only, matched pairs or within the walking distance
    pairs = set(zip(transfers["from_stop_id"], transfers["to_stop_id"]))
    assert all((b, a) in pairs for a, b in pairs)
    operator = transfers["from_stop_id"].str.split(":").str[0] != transfers["to_stop_id"].str.split(":").str[0]
    assert operator.all()
    assert (transfers["matched"] | (transfers["distance_m"] <= 400)).all()
    assert (transfers.loc[~transfers["matched"], "distance_m"] > 0).all()
    short = walking_transfers(bay_stops, None, max_walk_m=100)
    assert (short["distance_m"] <= 100).all() and len(short) < len(transfers)


def test_operator_transfers_are_kept_and_preferred(bay_stops, bay_feeds, bay_result):
    own = pd.concat([operator_transfers("bart", bay_feeds["bart"]), pd.DataFrame({
        "from_stop_id": ["bart:MLBR"], "to_stop_id": ["caltrain:70061"], "transfer_type": [2],
        "min_transfer_time": [420]})], ignore_index=True)
    transfers = walking_transfers(bay_stops, bay_result.matches, operator_transfers=own)
    pair = transfers[(transfers["from_stop_id"] == "bart:MLBR") & (transfers["to_stop_id"] == "caltrain:70061")]
    assert len(pair) == 1 and pair.iloc[0]["source"] == "operator" and pair.iloc[0]["min_transfer_time"] == 420
    back = transfers[(transfers["from_stop_id"] == "caltrain:70061") & (transfers["to_stop_id"] == "bart:MLBR")]
    assert back.iloc[0]["source"] == "generated"  # transfers are directional
    assert (transfers["source"] == "operator").sum() == len(own)
    assert ("bart:COLS", "bart:COLS") in set(zip(transfers["from_stop_id"], transfers["to_stop_id"]))


def test_walking_transfers_reject_bad_parameters(bay_stops):
    with pytest.raises(ValueError, match="walk_speed_mps must be > 0"):
        walking_transfers(bay_stops, walk_speed_mps=0)
