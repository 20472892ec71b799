"""What integration brings, the pool's measurable benefit: for a sample of each operator's stops,
the stops reachable within a time budget using only that operator's network (its trips and
walking) against the whole regional network (every operator, walking and shared bikes); a
per-operator table and a regional figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from regie.config.region import PlannerSettings
from regie.journeys.graph import JourneyGraph
from regie.journeys.plan import Planner

BOARDABLE = 0  # stop_kind of stops and platforms: what is counted as reached


@dataclass(frozen=True)
class OperatorBenefit:
    operator_id: str
    operator_name: str
    sampled_stops: int
    alone_mean: float  # stops reached within the budget on the operator's own network, on average
    regional_mean: float  # the same on the whole regional network

    @property
    def ratio(self) -> float:
        return self.regional_mean / self.alone_mean if self.alone_mean else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {"operator_id": self.operator_id, "operator_name": self.operator_name,
                "sampled_stops": self.sampled_stops, "reachable_alone": round(self.alone_mean, 2),
                "reachable_regional": round(self.regional_mean, 2), "ratio": round(self.ratio, 3)}


@dataclass(frozen=True)
class IntegrationBenefit:
    at: str  # the departure time of every sampled query (ISO local)
    budget_s: int
    operators: list[OperatorBenefit]

    @property
    def regional_ratio(self) -> float:
        """Stops reached on the regional network over stops reached alone, over every sample."""
        alone = sum(o.alone_mean * o.sampled_stops for o in self.operators)
        regional = sum(o.regional_mean * o.sampled_stops for o in self.operators)
        return regional / alone if alone else float("nan")

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([o.to_dict() for o in self.operators],
                            columns=["operator_id", "operator_name", "sampled_stops", "reachable_alone",
                                     "reachable_regional", "ratio"])

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "budget_s": self.budget_s, "regional_ratio": round(self.regional_ratio, 3),
                "sampled_stops": sum(o.sampled_stops for o in self.operators),
                "operators": [o.to_dict() for o in self.operators]}


def integration_benefit(graph: JourneyGraph, at: datetime, *, settings: PlannerSettings | None = None,
                        planner: Planner | None = None, seed: int = 0) -> IntegrationBenefit:
    """The indicator at local time `at` (for instance 08:00 of the region's as_of day), with the
    sample size and budget of `settings` (benefit_sample_size, benefit_budget_s). Sampled stops
    are stops where the operator's trips can be boarded, drawn with a fixed seed."""
    settings = settings or PlannerSettings()
    planner = planner or Planner(graph, settings)
    budget = settings.benefit_budget_s
    start = graph.seconds_at(at)
    boardable = graph.stop_kind == BOARDABLE
    trip_operator = graph.route_operator[graph.trip_route]
    rng = np.random.default_rng(seed)
    rows = []
    for op, (op_id, op_name) in enumerate(zip(graph.operator_ids, graph.operator_names, strict=True)):
        own = (trip_operator == op).astype(np.uint8)
        boarding = (own[graph.conn_trip] > 0) & ((graph.conn_flags & 1) > 0)
        stops = np.unique(graph.conn_dep_stop[boarding])
        if not len(stops):
            continue
        sample = rng.choice(stops, size=min(settings.benefit_sample_size, len(stops)), replace=False)
        alone: list[int] = []
        regional: list[int] = []
        for stop in sample:
            for trips, counts, bike in ((own, alone, False), (None, regional, True)):
                arrival = planner.reachable(np.array([stop]), start, budget, trip_ok=trips, bike=bike)
                reached = (arrival <= start + budget) & boardable
                reached[stop] = False
                counts.append(int(reached.sum()))
        rows.append(OperatorBenefit(str(op_id), str(op_name), len(sample), float(np.mean(alone)),
                                    float(np.mean(regional))))
    return IntegrationBenefit(graph.local_time(start).isoformat(), budget, rows)
