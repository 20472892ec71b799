"""Journeys across operators on the Bay Area set with the integrator's walking transfers
(`plan_graphs.integrated_bay_area`): Caltrain then BART via Millbrae, BART then a County
Connection bus from a shared station, and the reference queries answered never later than the
reference (earlier where the integrator's footpaths open a faster journey)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regie.journeys.graph import JourneyGraph
from regie.journeys.plan import Planner, PlanRequest
from tests.journeys.plan_graphs import integrated_bay_area, reference

DAY = date(2018, 9, 12)
REFERENCE_OPERATORS = {"cccta": "countyconnection", "bart": "bart", "caltrain": "caltrain"}


@pytest.fixture(scope="module")
def bay(feeds_dir: Path) -> tuple[JourneyGraph, pd.DataFrame]:
    return integrated_bay_area()


def stops_named(graph: JourneyGraph, operator_id: str, text: str) -> list[int]:
    names, ids = pd.Series(graph.stop_names).astype(str), pd.Series(graph.stop_ids).astype(str)
    return [int(i) for i in np.flatnonzero(names.str.contains(text) & ids.str.startswith(operator_id + ":"))]


def test_caltrain_then_bart_via_millbrae(bay):
    graph, _ = bay
    planner = Planner(graph)
    result = planner.earliest_arrival(PlanRequest(stops_named(graph, "caltrain", "Palo Alto"),
                                                  stops_named(graph, "bart", "Colma"), datetime(2018, 9, 12, 8)))
    rides = [leg for leg in result.journeys[0].legs if leg.kind == "transit"]
    assert [leg.operator_id for leg in rides] == ["caltrain", "bart"]
    assert "Millbrae" in rides[0].destination.name and "Millbrae" in rides[1].origin.name
    assert rides[0].arrival_s <= rides[1].departure_s


def test_bart_then_county_connection_bus_at_a_shared_station(bay):
    graph, walking = bay
    planner = Planner(graph)
    linked = walking[walking["from_stop_id"] == "bart:CONC"]["to_stop_id"]
    position = {str(s): i for i, s in enumerate(graph.stop_ids)}
    boarding = [position[s] for s in linked if s in position]
    # a County Connection stop a few stops down a bus line leaving the Concord BART station
    first = np.flatnonzero(np.isin(graph.conn_dep_stop, boarding) & (graph.conn_dep > 86400 + 9 * 3600))[0]
    trip = graph.conn_trip[first]
    hops = np.flatnonzero(graph.conn_trip == trip)
    hops = hops[np.argsort(graph.conn_seq[hops])]
    later = [int(graph.conn_arr_stop[c]) for c in hops if graph.conn_seq[c] >= graph.conn_seq[first] + 4]
    destination = later[0]
    result = planner.earliest_arrival(PlanRequest(stops_named(graph, "bart", "Embarcadero"), destination,
                                                  datetime(2018, 9, 12, 8), max_walk_m=600))
    legs = result.journeys[0].legs
    rides = [leg for leg in legs if leg.kind == "transit"]
    assert [leg.operator_id for leg in rides][:1] == ["bart"] and rides[-1].operator_id == "countyconnection"
    change = legs.index(rides[-1])
    walk = legs[change - 1]
    assert walk.kind == "walk" and walk.origin.stop_id.startswith("bart:")
    assert walk.destination.stop_id.startswith("countyconnection:") and walk.distance_m > 0


def test_reference_answers_are_never_later_with_the_integrators_footpaths(bay):
    graph, _ = bay
    planner = Planner(graph)
    answers = reference("bayarea3")
    by_key: dict[str, list[int]] = {}
    for index, (stop_id, name) in enumerate(zip(graph.stop_ids, graph.stop_names, strict=True)):
        by_key.setdefault(str(stop_id).split(":")[0] + "|" + str(name), []).append(index)

    def station(text: str) -> list[int]:
        feed, name = text.split(":", 1)
        return by_key[REFERENCE_OPERATORS[feed] + "|" + name]

    later, earlier = [], 0
    for query in answers["queries"]:
        result = planner.earliest_arrival(PlanRequest(
            station(query["origin"]), station(query["destination"]),
            datetime.combine(DAY, datetime.min.time()) + timedelta(seconds=query["dep"]),
            max_transfers=15, min_transfer_slack_s=0, max_walk_m=1000))
        got = result.journeys[0].arrival_s - int(graph.day_start[1]) if result.journeys else None
        want = query["earliest_arrival"]
        if want is not None and (got is None or got > want):
            later.append((query, got))
        earlier += want is not None and got is not None and got < want or (want is None and got is not None)
    assert not later, later[:5]
    assert earlier > 0  # the integrator's footpaths do open faster journeys
