"""`/api`: stops, journeys, isochrones and the server's health. Every parameter is bounded; what
cannot be understood is answered with a 4xx naming the parameter (see `regie.serve.errors`).

The handlers are plain functions (run in the server's thread pool): the planner's work is
compiled code, and one process serves many requests at once.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from regie.pages.encode import dumps
from regie.serve.errors import ApiError
from regie.serve.planning import (
    JourneyOptions,
    LoadedGraph,
    find_stops,
    isochrone,
    parse_at,
    parse_modes,
    plan_journeys,
    resolve_place,
)
from regie.serve.settings import ServeSettings

Place = Annotated[str, Query(min_length=1, max_length=200, description='a stop name, a stop id, or "lat,lon"')]
At = Annotated[str, Query(min_length=1, max_length=40, description="local date and time of the region, "
                                                                  "YYYY-MM-DDTHH:MM (an offset is converted)")]
Modes = Annotated[str | None, Query(max_length=200, description="comma-separated: rail, bus, ferry, tram, metro, "
                                                                "bike_share, ... (default: every mode)")]
MaxTransfers = Annotated[int | None, Query(ge=0, le=15, description="default: the region's planner setting")]
MaxWalk = Annotated[float | None, Query(ge=0, le=5000, allow_inf_nan=False, description="longest walk in metres")]
Slack = Annotated[int | None, Query(ge=0, le=1800, description="seconds added to every change of vehicle")]


class FastJSONResponse(Response):
    """JSON of plain values written straight away (FastAPI's encoder would walk every leg's
    coordinates again); a NaN or infinity, if one ever gets there, becomes null."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
        except ValueError:
            return dumps(content).encode("utf-8")


def _no_graph(loaded: LoadedGraph | None) -> LoadedGraph:
    if loaded is None:
        raise ApiError(503, "no_graph", "no journey graph is loaded: build it with `regie run`, then restart the server")
    return loaded


def api_router(loaded: LoadedGraph | None, settings: ServeSettings) -> APIRouter:
    router = APIRouter(default_response_class=FastJSONResponse)

    @router.get("/health", summary="Whether a graph is loaded, its feed version and window")
    def health() -> dict[str, Any]:
        if loaded is None:
            return {"status": "ok", "graph_loaded": False}
        return {"status": "ok", "graph_loaded": True, **loaded.summary(), "modes": loaded.modes(),
                "newer_graph_on_disk": loaded.newer_on_disk()}

    @router.get("/stops", summary="Stops by name (q) or near coordinates (lat, lon)")
    def stops(q: Annotated[str | None, Query(max_length=200, description="name; case, accents and stop words "
                                                                           "are ignored")] = None,
              lat: Annotated[float | None, Query(ge=-90, le=90, allow_inf_nan=False)] = None,
              lon: Annotated[float | None, Query(ge=-180, le=180, allow_inf_nan=False)] = None,
              radius_m: Annotated[float, Query(gt=0, le=5000, allow_inf_nan=False)] = 500.0,
              limit: Annotated[int, Query(ge=1, le=50)] = 10) -> FastJSONResponse:
        graph = _no_graph(loaded)
        return FastJSONResponse({"stops": find_stops(graph, q, lat, lon, radius_m, limit)})

    @router.get("/journeys", summary="Journeys from a place to another")
    def journeys(
        origin: Annotated[str, Query(alias="from", min_length=1, max_length=200,
                                     description='a stop name, a stop id, or "lat,lon"')],
        to: Place, at: At,
        arrive_by: Annotated[bool, Query(description="`at` is the latest arrival")] = False,
        wheelchair: Annotated[bool, Query(description="wheelchair-accessible stops, trips and paths only")] = False,
        max_transfers: MaxTransfers = None, max_walk_m: MaxWalk = None, min_transfer_slack_s: Slack = None,
        modes: Modes = None,
        pareto: Annotated[bool, Query(description="every Pareto-optimal (arrival, transfers) journey")] = False,
        window_min: Annotated[int | None, Query(ge=1, le=240, description="range query: every Pareto-optimal "
                                                                           "journey departing within these minutes")] = None,
        limit: Annotated[int, Query(ge=1, le=50, description="journeys returned at most")] = settings.max_results,
    ) -> FastJSONResponse:
        graph = _no_graph(loaded)
        when = parse_at(at, graph)
        options = JourneyOptions(arrive_by=arrive_by, wheelchair=wheelchair, max_transfers=max_transfers,
                                 max_walk_m=max_walk_m, min_transfer_slack_s=min_transfer_slack_s,
                                 modes=parse_modes(modes, graph), pareto=pareto, window_min=window_min,
                                 max_results=limit)
        return FastJSONResponse(plan_journeys(graph, resolve_place(graph, origin, "from"), resolve_place(graph, to, "to"),
                                              when, options))

    @router.get("/isochrone", summary="Every stop reachable within a time budget, and a GeoJSON of them")
    def isochrone_query(
        origin: Annotated[str, Query(alias="from", min_length=1, max_length=200,
                                     description='a stop name, a stop id, or "lat,lon"')],
        at: At,
        budget_min: Annotated[int, Query(ge=1, le=360, description="travel time budget in minutes")] = 60,
        wheelchair: bool = False, max_transfers: MaxTransfers = None, max_walk_m: MaxWalk = None,
        modes: Modes = None,
    ) -> FastJSONResponse:
        graph = _no_graph(loaded)
        options = JourneyOptions(wheelchair=wheelchair, max_transfers=max_transfers, max_walk_m=max_walk_m,
                                 modes=parse_modes(modes, graph))
        return FastJSONResponse(isochrone(graph, resolve_place(graph, origin, "from"), parse_at(at, graph),
                                          budget_min * 60, options))

    return router
