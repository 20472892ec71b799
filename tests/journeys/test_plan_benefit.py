"""The integration indicator: stops reachable within the budget on one operator's network
against the whole regional network, per operator and for the region."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from regie.config.region import PlannerSettings
from regie.journeys.benefit import integration_benefit
from tests.journeys.plan_graphs import Trip, graph_from_trips, integrated_bay_area


def two_operators():
    """Operator 0 runs 0 → 1 → 2, operator 1 runs 3 → 4 → 5; a footpath joins 2 and 3."""
    trips = [Trip([0, 1, 2], [3600, 3900, 4200], route=0), Trip([3, 4, 5], [4500, 4800, 5100], route=1)]
    graph = graph_from_trips(6, trips, [(2, 3, 120, 100.0), (3, 2, 120, 100.0)], route_modes=[3, 2])
    graph.route_operator = np.array([0, 1], np.int32)
    graph.operator_ids = np.array(["a", "b"], dtype=object)
    graph.operator_names = np.array(["Alpha", "Bravo"], dtype=object)
    return graph


def test_the_indicator_counts_what_the_other_operator_adds():
    graph = two_operators()
    settings = PlannerSettings(benefit_sample_size=5, benefit_budget_s=3600, min_transfer_slack_s=60)
    result = integration_benefit(graph, datetime(2024, 1, 2, 1), settings=settings)
    rows = {o.operator_id: o for o in result.operators}
    # from 0: 1, 2 and 3 on foot alone; 4 and 5 too regionally. From 1: 2, 3 / + 4, 5. From 2... no departure
    # (the trip ends there): operator a's boarding stops are 0 and 1
    assert rows["a"].sampled_stops == 2 and rows["a"].alone_mean == 2.5 and rows["a"].regional_mean == 4.5
    # from 3: 4, 5 and 2 on foot; from 4: 5; a's trip left before: nothing more regionally
    assert rows["b"].alone_mean == rows["b"].regional_mean == 2.0
    assert result.regional_ratio == (4.5 * 2 + 2.0 * 2) / (2.5 * 2 + 2.0 * 2)
    assert result.table()["operator_id"].tolist() == ["a", "b"]
    assert result.to_dict()["operators"][0]["ratio"] == 1.8


def test_the_indicator_on_the_integrated_bay_area(feeds_dir):
    graph, _ = integrated_bay_area()
    result = integration_benefit(graph, datetime(2018, 9, 12, 8), settings=PlannerSettings(benefit_sample_size=10))
    rows = {o.operator_id: o for o in result.operators}
    assert set(rows) == {"bart", "caltrain", "countyconnection"}
    assert all(o.regional_mean >= o.alone_mean for o in result.operators)
    assert result.regional_ratio > 1
