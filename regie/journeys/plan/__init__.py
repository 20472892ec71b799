"""The journey planner over a `JourneyGraph`: `Planner(graph)` answers `PlanRequest`s (earliest
arrival, latest departure, Pareto sets, range queries, isochrones) with `PlanResult`s /
`IsochroneResult`s, journeys of legs or the `Reason` there is none."""

from regie.journeys.plan.planner import Planner
from regie.journeys.plan.request import Coordinates, PlanRequest
from regie.journeys.plan.resolve import PlanError
from regie.journeys.plan.results import IsochroneResult, Journey, Leg, PlanResult, Reason

__all__ = ["Coordinates", "IsochroneResult", "Journey", "Leg", "PlanError", "PlanRequest", "PlanResult", "Planner",
           "Reason"]
