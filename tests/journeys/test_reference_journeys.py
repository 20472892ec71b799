"""The reference answers of ../shared/data/reference/journeys (50 earliest arrivals on HART and 50
on the Bay Area set, agreed by pyraptor and a connection scan) matched exactly under their model:
one service day, stations by name with 120 s between their stops, origin = every stop of the
origin station, no transfer slack at the same stop."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from regie.journeys.plan import Planner, PlanRequest
from tests.journeys.plan_graphs import REFERENCE_DATES, network, reference


@pytest.mark.parametrize("name", ["hart", "bayarea3"])
def test_earliest_arrivals_match_the_reference(feeds_dir, name):
    answers = reference(name)
    assert "120 s transfer between different stops of a station" in answers["model"]
    graph = network(name)
    planner = Planner(graph)
    stations: dict[str, list[int]] = {}
    for index, stop_name in enumerate(graph.stop_names):
        stations.setdefault(str(stop_name), []).append(index)
    day = datetime.combine(REFERENCE_DATES[name], datetime.min.time())
    day_start = int(graph.day_start[1])
    mismatches = []
    reached = 0
    for query in answers["queries"]:
        request = PlanRequest(stations[query["origin"]], stations[query["destination"]],
                              day + timedelta(seconds=query["dep"]), max_transfers=15, min_transfer_slack_s=0,
                              max_walk_m=5000)
        result = planner.earliest_arrival(request)
        got = result.journeys[0].arrival_s - day_start if result.journeys else None
        reached += got is not None
        if got != query["earliest_arrival"]:
            mismatches.append((query, got, result.reason))
    assert not mismatches, mismatches[:5]
    assert reached >= 25  # the comparison is not over unreachable pairs only
