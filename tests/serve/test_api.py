"""The planner's HTTP API over the Bay Area test region's internal graph (BART, Caltrain, and
County Connection restricted): answers, reasons, and a 4xx with a clear message for every bad
parameter, never a 500."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.serve.conftest import BAY_DAY


def _journeys(client, **params):
    response = client.get("/api/journeys", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_health_names_the_graph_and_its_window(client, bay_graph):
    body = client.get("/api/health").json()
    assert body["graph_loaded"] is True and body["newer_graph_on_disk"] is False
    assert body["window_start"] == BAY_DAY
    assert body["feed_version"] == bay_graph.graph.source_feed_version != ""
    assert {"BART", "Caltrain", "County Connection"} <= set(body["operators"]) or len(body["operators"]) == 3


def test_openapi_lists_every_endpoint(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/stops", "/api/journeys", "/api/isochrone", "/api/health"} <= set(paths)
    names = {p["name"] for p in paths["/api/journeys"]["get"]["parameters"]}
    assert {"from", "to", "at", "arrive_by", "wheelchair", "max_transfers", "max_walk_m", "modes", "pareto",
            "window_min"} <= names
    assert client.get("/api/docs").status_code == 200


def test_stops_by_name_ignore_case_and_accents(client):
    stops = client.get("/api/stops", params={"q": "MÍLLBRAE"}).json()["stops"]
    assert stops and all("millbrae" in stop["name"].lower() for stop in stops[:2])
    near = client.get("/api/stops", params={"lat": stops[0]["lat"], "lon": stops[0]["lon"], "radius_m": 300}).json()
    assert near["stops"] and all("millbrae" in stop["name"].lower() for stop in near["stops"][:2])


def test_journey_millbrae_to_concord_crosses_operators(client):
    answer = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": f"{BAY_DAY}T08:00"})
    assert answer["reason"] is None
    journey = answer["journeys"][0]
    assert journey["departure"] >= f"{BAY_DAY}T08:00"
    legs = journey["legs"]
    assert "millbrae" in legs[0]["from"]["name"].lower() and "concord" in legs[-1]["to"]["name"].lower()
    for before, after in zip(legs, legs[1:], strict=False):
        assert before["arrival"] <= after["departure"]
    transit = [leg for leg in legs if leg["kind"] == "transit"]
    assert transit and all(leg["operator_name"] and leg["route_type"] is not None for leg in transit)
    assert all(leg["geometry"]["type"] == "LineString" for leg in legs)


def test_arrive_by_arrives_in_time_and_pareto_sets_trade_transfers(client):
    at = f"{BAY_DAY}T10:00"
    answer = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": at, "arrive_by": "true"})
    arrival = datetime.fromisoformat(answer["journeys"][0]["arrival"])
    assert arrival.replace(tzinfo=None) <= datetime.fromisoformat(at)
    pareto = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": f"{BAY_DAY}T08:00", "pareto": "true"})
    pairs = sorted((j["transfers"], j["arrival"]) for j in pareto["journeys"])
    assert len(pairs) >= 2  # a direct train late, or a change and earlier
    assert all(a[1] > b[1] for a, b in zip(pairs, pairs[1:], strict=False))  # each transfer buys an earlier arrival
    ranged = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": f"{BAY_DAY}T08:00", "window_min": 60,
                                  "limit": 50})
    assert len(ranged["journeys"]) >= 2
    assert all(f"{BAY_DAY}T08:00" <= j["departure"] < f"{BAY_DAY}T09:01" for j in ranged["journeys"])


def test_restricted_operator_answers_as_journeys(client, bay_graph):
    graph = bay_graph.graph
    stop = next(i for i, stop_id in enumerate(graph.stop_ids)
                if str(stop_id).startswith("countyconnection:") and graph.stop_kind[i] == 0)
    answer = _journeys(client, **{"from": str(graph.stop_ids[stop]), "to": "Concord", "at": f"{BAY_DAY}T09:00"})
    assert answer["journeys"] or answer["reason"]["code"] in ("nothing_in_window", "not_linked")


def test_coordinates_and_wheelchair_and_modes(client, bay_graph):
    stops = client.get("/api/stops", params={"q": "Millbrae"}).json()["stops"]
    place = f"{stops[0]['lat'] + 0.001},{stops[0]['lon']}"
    answer = _journeys(client, **{"from": place, "to": "Concord", "at": f"{BAY_DAY}T08:00"})
    assert abs(answer["from"]["lat"] - (stops[0]["lat"] + 0.001)) < 1e-9
    assert answer["journeys"] and answer["journeys"][0]["legs"][0]["kind"] == "walk"
    only_bus = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": f"{BAY_DAY}T08:00", "modes": "bus"})
    assert not only_bus["journeys"] and only_bus["reason"]["code"]
    wheelchair = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": f"{BAY_DAY}T08:00",
                                      "wheelchair": "true"})
    assert wheelchair["journeys"] or wheelchair["reason"]["code"] == "accessibility"


def test_no_journey_says_why(client):
    answer = _journeys(client, **{"from": "Millbrae", "to": "Concord", "at": "2030-01-01T08:00"})
    assert answer["journeys"] == [] and answer["reason"]["code"] == "no_service_on_date"
    assert answer["reason"]["message"]


def test_unknown_stop_is_a_404_naming_the_parameter(client):
    response = client.get("/api/journeys", params={"from": "Nowhere at all zzz", "to": "Concord",
                                                  "at": f"{BAY_DAY}T08:00"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_stop"
    assert "'from'" in response.json()["error"]["message"]


def test_isochrone_lists_stops_and_geojson(client):
    body = client.get("/api/isochrone", params={"from": "Millbrae", "at": f"{BAY_DAY}T08:00", "budget_min": 30}).json()
    assert body["stops"] and all(stop["travel_s"] <= 30 * 60 for stop in body["stops"])
    assert body["geojson"]["type"] == "FeatureCollection"
    assert len(body["geojson"]["features"]) == len(body["stops"])


GOOD = {"from": "Millbrae", "to": "Concord", "at": f"{BAY_DAY}T08:00"}
HOSTILE = [
    ("/api/journeys", {"at": "tomorrow morning"}),
    ("/api/journeys", {"at": "2018-09-12T25:00"}),
    ("/api/journeys", {"at": "99999-01-01T00:00"}),
    ("/api/journeys", {"at": "0001-01-01T00:00"}),
    ("/api/journeys", {"at": "x" * 5000}),
    ("/api/journeys", {"max_transfers": "-1"}),
    ("/api/journeys", {"max_transfers": str(10**30)}),
    ("/api/journeys", {"max_transfers": "two"}),
    ("/api/journeys", {"max_walk_m": "nan"}),
    ("/api/journeys", {"max_walk_m": "inf"}),
    ("/api/journeys", {"max_walk_m": "-5"}),
    ("/api/journeys", {"min_transfer_slack_s": "99999999"}),
    ("/api/journeys", {"modes": "rocket"}),
    ("/api/journeys", {"modes": "<script>alert(1)</script>"}),
    ("/api/journeys", {"modes": ",".join(["bus"] * 40)}),
    ("/api/journeys", {"from": ""}),
    ("/api/journeys", {"from": "   "}),
    ("/api/journeys", {"from": "x" * 10_000}),
    ("/api/journeys", {"from": "91,200"}),
    ("/api/journeys", {"from": "999,999"}),
    ("/api/journeys", {"to": "nan,nan"}),
    ("/api/journeys", {"to": "\x00\x01"}),
    ("/api/journeys", {"window_min": "0"}),
    ("/api/journeys", {"window_min": "100000"}),
    ("/api/journeys", {"limit": "0"}),
    ("/api/journeys", {"arrive_by": "perhaps"}),
    ("/api/journeys", {"pareto": "[]"}),
    ("/api/isochrone", {"budget_min": "100000"}),
    ("/api/isochrone", {"budget_min": "-1"}),
    ("/api/isochrone", {"at": ""}),
    ("/api/stops", {"q": None}),
    ("/api/stops", {"q": "y" * 1000}),
    ("/api/stops", {"q": None, "lat": "nan", "lon": "0"}),
    ("/api/stops", {"q": None, "lat": "100", "lon": "0"}),
    ("/api/stops", {"q": None, "lat": "37.6"}),
    ("/api/stops", {"q": "Millbrae", "limit": "100000"}),
    ("/api/stops", {"q": "Millbrae", "radius_m": "-1"}),
]


@pytest.mark.parametrize(("path", "changes"), HOSTILE)
def test_bad_parameters_get_a_4xx_with_a_message(client, path, changes):
    params = {**GOOD, "q": "Millbrae"} if path == "/api/stops" else dict(GOOD)
    if path == "/api/stops":
        params = {"q": params["q"]}
    params.update(changes)
    params = {key: value for key, value in params.items() if value is not None}
    response = client.get(path, params=params)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert error["code"] and 10 < len(error["message"]) < 2000


def test_missing_parameters_and_unknown_paths_are_4xx(client):
    response = client.get("/api/journeys", params={"from": "Millbrae"})
    assert response.status_code == 422
    assert "'to'" in response.json()["error"]["message"] and "'at'" in response.json()["error"]["message"]
    assert client.get("/api/nothing").status_code == 404
    assert client.post("/api/journeys").status_code in (404, 405)
