"""The regional merge on real feeds (Bay Area set, County Connection marked restricted) and on
the demo region: both feeds read back with gtfs-kit and pass the quality gate with no ERROR;
the open feed holds nothing of a restricted operator; hubs, transfers, feed_info and the
reconciliation are consistent."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from quality.config import QualityConfig
from quality.validate import ValidationRequest, validate_feed
from regie.config.operators import Operator
from regie.config.region import Region
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.integrator import OperatorFeeds, PublisherMissing, integrate_region
from regie.integrate.merge.audit import foreign_ids, unbalanced_tables
from regie.integrate.merge.regional import merged_transfers
from regie.integrate.outputs import read_normalised, write_integration

BAY_DATE = date(2018, 9, 12)


def operator(op_id: str, openness: str = "open") -> Operator:
    return Operator(id=op_id, name=op_id.title(), modes=["bus"], contact="data@example.org", licence="CC-BY-4.0",
                    openness=openness, member_from="2018-01-01",
                    feeds=[{"id": "main", "kind": "gtfs", "url": f"file:///feeds/{op_id}.zip"}])


def bay_region(**integration) -> Region:
    return Region.model_validate({
        "name": "Bay Area test pool", "timezone": "America/Los_Angeles", "languages": ["en"], "as_of": BAY_DATE,
        "bbox": {"min_lon": -123.0, "min_lat": 37.0, "max_lon": -121.0, "max_lat": 38.5},
        "integration": {"publisher": {"url": "https://pool.example.org", "contact_email": "data@pool.example.org"},
                        **integration}})


@pytest.fixture(scope="module")
def bay(feeds_dir: Path, tmp_path_factory):
    folder = feeds_dir / "regional_bayarea"
    inputs = [OperatorFeeds(operator("bart"), [read_feed_tables(folder / "bart_2018-05-26.zip")], ["v-bart"]),
              OperatorFeeds(operator("caltrain"), [read_feed_tables(folder / "caltrain_2017-10-02.zip")], ["v-ct"]),
              OperatorFeeds(operator("countyconnection", "restricted"),
                            [read_feed_tables(folder / "countyconnection_2018-08-12.zip")], ["v-cc"])]
    integration = integrate_region(inputs, bay_region())
    root = tmp_path_factory.mktemp("bay-integration")
    return integration, write_integration(integration, root), root


def _validate(path: Path, when: date):
    outcome, _ = validate_feed(path, ValidationRequest(validation_date=when, config=QualityConfig()))
    return outcome


@pytest.mark.parametrize("name", ["internal", "open"])
def test_bay_area_regional_feeds_pass_the_gate_and_read_back_with_gtfs_kit(bay, name):
    import gtfs_kit

    integration, files, _ = bay
    path = files[f"{name}/regional"]
    outcome = _validate(path, BAY_DATE)
    errors = outcome.notices[outcome.notices["severity"] == "ERROR"]
    assert errors.empty, errors[["code", "file", "message"]].head(10).to_string()
    assert not outcome.blocked
    feed = gtfs_kit.read_feed(path, dist_units="km")
    tables = integration.feeds[name].tables
    for table in ("agency", "routes", "trips", "stops", "stop_times", "calendar", "shapes", "transfers"):
        assert len(getattr(feed, table)) == len(tables[table]), table
    assert feed.feed_info["feed_publisher_name"].tolist() == ["Bay Area test pool"]


def test_internal_feed_has_every_operator_and_open_feed_only_open_ones(bay):
    integration, _, root = bay
    internal, open_ = integration.feeds["internal"], integration.feeds["open"]
    assert internal.operators == ["bart", "caltrain", "countyconnection"]
    assert open_.operators == ["bart", "caltrain"]
    assert foreign_ids(open_) == {} and foreign_ids(internal) == {}
    agencies = set(internal.tables["agency"]["agency_id"])
    assert {a.split(":")[0] for a in agencies} == {"bart", "caltrain", "countyconnection"}
    # nothing of the restricted operator in any open file, whatever the table or column
    for path in (root / "open").rglob("*"):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    assert b"countyconnection" not in archive.read(member).lower(), (path, member)
        elif path.is_file():
            assert "countyconnection" not in path.read_text(encoding="utf-8").lower(), path
    # County Connection's stop names must not leak through a hub station either
    cc_names = set(integration.normalised["countyconnection"].tables["stops"]["stop_name"])
    bart_ct_names = set(integration.normalised["bart"].tables["stops"]["stop_name"]) | set(
        integration.normalised["caltrain"].tables["stops"]["stop_name"])
    assert not (set(open_.tables["stops"]["stop_name"]) & (cc_names - bart_ct_names))


def test_a_restricted_id_in_the_open_feed_is_caught(bay):
    integration, _, _ = bay
    feed = integration.feeds["open"]
    stops = feed.tables["stops"]
    tampered = pd.concat([stops, stops.head(1).assign(stop_id="countyconnection:760")], ignore_index=True)
    leaked = type(feed)(name="open", parts={**feed.parts, "stops": tampered}, operators=feed.operators,
                        reconciliation=feed.reconciliation, operator_feed_info=feed.operator_feed_info)
    assert foreign_ids(leaked) == {"stops.stop_id": 1}
    assert unbalanced_tables(leaked) == {"stops": f"expected {len(stops)} rows, found {len(stops) + 1}"}


def test_hubs_reparent_under_one_station_and_never_nest(bay):
    integration, _, _ = bay
    stops = integration.feeds["internal"].tables["stops"]
    kind = stops["location_type"].replace("", "0").astype(int)
    parents = stops.set_index("stop_id")["parent_station"]
    stations = set(stops.loc[kind == 1, "stop_id"])
    assert (stops.loc[kind == 1, "parent_station"] == "").all(), "a station has a parent"
    used = set(parents[parents != ""])
    assert used <= stations, used - stations  # every parent exists and is a station
    millbrae = integration.match.hubs[integration.match.hubs["members"].map(lambda m: "bart:MLBR" in m)]
    assert len(millbrae) == 1
    station = millbrae.iloc[0]["station_id"]
    assert station in stations and station.startswith("hub:")
    assert {"caltrain:70061", "caltrain:70062", "bart:MLBR"} <= set(millbrae.iloc[0]["members"])
    for member in ("bart:MLBR", "caltrain:70061", "caltrain:70062"):
        assert parents[member] == station
    assert unbalanced_tables(integration.feeds["internal"]) == {}
    assert unbalanced_tables(integration.feeds["open"]) == {}


def test_transfers_keep_operator_rows_and_add_walking_ones(bay):
    integration, _, _ = bay
    transfers = integration.feeds["internal"].tables["transfers"]
    own = pd.concat([f.tables["transfers"] for f in integration.normalised.values() if "transfers" in f.tables])
    key = ["from_stop_id", "to_stop_id"]
    assert len(transfers) == len(own) + len(integration.transfers.merge(own[key].drop_duplicates(), on=key,
                                                                         how="left", indicator=True).query(
        "_merge == 'left_only'"))
    generated = transfers.iloc[len(own):]
    assert (generated["transfer_type"] == "2").all() and (generated["min_transfer_time"].astype(int) > 0).all()
    assert not generated.duplicated(key).any()
    stop_operator = {s: s.split(":")[0] for s in generated["from_stop_id"]}
    assert all(stop_operator[f] != t.split(":")[0] for f, t in zip(generated["from_stop_id"], generated["to_stop_id"]))


def test_operator_transfer_rows_win_over_generated_ones():
    own = pd.DataFrame({"from_stop_id": ["a:1"], "to_stop_id": ["b:1"], "transfer_type": ["1"], "min_transfer_time": [""],
                        "from_route_id": ["a:r"]})
    generated = pd.DataFrame({"from_stop_id": ["a:1", "b:1"], "to_stop_id": ["b:1", "a:1"], "transfer_type": [2, 2],
                              "min_transfer_time": pd.array([200, 200], dtype="Int64")})
    merged = merged_transfers(own, generated)
    assert merged[["from_stop_id", "to_stop_id", "transfer_type", "from_route_id"]].values.tolist() == [
        ["a:1", "b:1", "1", "a:r"], ["b:1", "a:1", "2", ""]]


def test_feed_info_names_the_pool_and_operators_rows_are_kept_aside(bay):
    integration, files, _ = bay
    info = integration.feeds["internal"].tables["feed_info"]
    assert len(info) == 1
    row = info.iloc[0]
    assert row["feed_publisher_name"] == "Bay Area test pool"
    assert row["feed_publisher_url"] == "https://pool.example.org/"
    assert row["feed_lang"] == "en" and row["feed_version"] == f"{integration.version}-internal"
    open_version = integration.feeds["open"].tables["feed_info"].iloc[0]["feed_version"]
    assert open_version == f"{integration.version}-open" != row["feed_version"]
    assert row["feed_start_date"] <= row["feed_end_date"]
    aside = pd.read_csv(files["internal/operator_feed_info"], dtype=str)
    assert set(aside["operator_id"]) <= {"bart", "caltrain", "countyconnection"} and len(aside) >= 1
    rec = integration.feeds["internal"].reconciliation
    replaced = rec[(rec["table"] == "feed_info") & (rec["reason"] == "replaced by the pool's feed_info")]
    assert replaced["rows_dropped"].sum() == len(aside)


def test_missing_timepoint_column_becomes_explicit(bay):
    integration, _, _ = bay
    stop_times = integration.feeds["internal"].tables["stop_times"]
    cc = stop_times[stop_times["trip_id"].str.startswith("countyconnection:")]
    assert "timepoint" not in integration.normalised["countyconnection"].tables["stop_times"].columns
    timed = cc["arrival_time"] != ""
    assert (cc.loc[timed, "timepoint"] == "1").all() and (cc.loc[~timed, "timepoint"] == "").all()


def test_reconciliation_and_normalised_outputs_round_trip(bay):
    integration, files, root = bay
    rec = pd.read_csv(files["internal/reconciliation"], dtype={"reason": str}, keep_default_na=False)
    assert {"normalise", "merge internal"} <= set(rec["stage"])
    again = read_normalised("bart", root / "normalised" / "bart")
    for name, frame in integration.normalised["bart"].tables.items():
        assert len(again.tables[name]) == len(frame), name
    assert again.reconciliation["rows_in"].sum() == integration.normalised["bart"].reconciliation["rows_in"].sum()


def test_publishing_needs_a_publisher_url():
    region = Region.model_validate({"name": "x", "timezone": "Europe/Paris", "languages": ["fr"],
                                    "bbox": {"min_lon": 0, "min_lat": 0, "max_lon": 1, "max_lat": 1}})
    with pytest.raises(PublisherMissing, match="integration.publisher.url"):
        integrate_region([], region)


def test_transfer_settings_reject_unknown_modes():
    with pytest.raises(ValueError, match="from_mode/to_mode"):
        bay_region(transfers={"min_transfer_s": {"rail/hovercraft": 60}})


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from regie.config import load_registry
    from regie.config.region import load_region
    from regie.demo import generate_demo_region
    from regie.store.paths import PROJECT_ROOT

    out = tmp_path_factory.mktemp("demo-feeds")
    region = load_region(PROJECT_ROOT / "configs" / "region.yaml", as_of="2026-03-02")
    registry = load_registry(PROJECT_ROOT / "configs" / "operators.yaml", env={})
    generate_demo_region(out, start=region.as_of, mugabus_defects=False)
    inputs = []
    for op in registry.operators:
        paths = [out / f"{op.id}.zip"] if any(feed.kind.is_static for feed in op.feeds) else []
        inputs.append(OperatorFeeds(op, [read_feed_tables(p) for p in paths], [p.name for p in paths]))
    integration = integrate_region(inputs, region)
    return integration, write_integration(integration, tmp_path_factory.mktemp("demo-integration")), region


@pytest.mark.parametrize("name", ["internal", "open"])
def test_demo_regional_feeds_pass_the_gate(demo, name):
    integration, files, region = demo
    outcome = _validate(files[f"{name}/regional"], region.as_of)
    assert outcome.counts_by_severity().get("ERROR", 0) == 0, outcome.notices.head(10).to_string()
    assert ("mugabus" in integration.feeds[name].operators) == (name == "internal")  # restricted
    assert "bizi" not in integration.feeds[name].operators  # GBFS only
    assert foreign_ids(integration.feeds[name]) == {} and unbalanced_tables(integration.feeds[name]) == {}
    assert len(integration.match.hubs) >= 4


def test_zip_paths_as_inputs_give_the_same_regional_feeds(bay, feeds_dir: Path, tmp_path):
    """The pipeline hands the integrator archive paths (each read when its operator's turn
    comes) and has the settled members written ahead: the zips are the same bytes as from
    tables read beforehand and written after."""
    from regie.gtfs.zip_writer import write_gtfs_zip

    integration, files, _ = bay
    folder = feeds_dir / "regional_bayarea"
    inputs = [OperatorFeeds(operator("bart"), [folder / "bart_2018-05-26.zip"], ["v-bart"]),
              OperatorFeeds(operator("caltrain"), [folder / "caltrain_2017-10-02.zip"], ["v-ct"]),
              OperatorFeeds(operator("countyconnection", "restricted"), [folder / "countyconnection_2018-08-12.zip"],
                            ["v-cc"])]
    from_paths = integrate_region(inputs, bay_region(), write_ahead=("internal", "open"))
    assert from_paths.version == integration.version
    assert {"stop_times.txt", "trips.txt"} <= set(from_paths.feeds["open"].deflated)
    assert not ({"stops.txt", "transfers.txt", "feed_info.txt"} & set(from_paths.feeds["internal"].deflated))
    for name in ("internal", "open"):
        feed = from_paths.feeds[name]
        write_gtfs_zip(tmp_path / f"{name}.zip", feed.parts, deflated=feed.deflated)
        assert (tmp_path / f"{name}.zip").read_bytes() == files[f"{name}/regional"].read_bytes(), name
    stop_times = from_paths.normalised["bart"].tables["stop_times"]  # kept compact for the region step
    assert isinstance(stop_times["trip_id"].dtype, pd.CategoricalDtype)
