"""Stops found by name (case, accents, punctuation and stop words ignored; prefixes; names from
translations.txt) and by coordinates (nearest first, within the distance)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.geo import haversine_m
from regie.journeys.stop_search import StopFinder, normalise
from tests.journeys.plan_graphs import Trip, graph_from_trips, network


def named_graph():
    graph = graph_from_trips(6, [Trip([0, 1], [0, 60])])
    graph.stop_names = np.array(["Gare d'Hendaye", "Saint-Jean-de-Luz Église", "Place de la Mairie",
                                 "Hendaye Plage", "Mairie", "Donostia Amara"], dtype=object)
    return graph


def test_normalise_drops_case_accents_punctuation_and_stop_words():
    assert normalise("Gare d'Hendaye") == ["gare", "hendaye"]
    assert normalise("SAINT-JEAN-DE-LUZ  Église") == ["saint", "jean", "luz", "eglise"]
    assert normalise("de la") == ["de", "la"]  # only stop words: kept


def test_by_name_matches_tokens_and_prefixes_ranked():
    finder = StopFinder(named_graph())
    assert [m.name for m in finder.by_name("hendaye")] == ["Hendaye Plage", "Gare d'Hendaye"]
    assert [m.index for m in finder.by_name("GARE DE HENDAYE")] == [0]
    assert [m.index for m in finder.by_name("eglise st jean")] == []  # "st" is not "saint"
    assert [m.index for m in finder.by_name("egli saint")] == [1]
    assert [m.name for m in finder.by_name("mairie")][0] == "Mairie"  # exact name first
    assert finder.by_name("the of", limit=3) == [] and finder.by_name("") == []
    assert len(finder.by_name("a", limit=2)) <= 2


def test_by_name_finds_translations():
    graph = named_graph()
    translations = pd.DataFrame({"table_name": ["stops", "stops"], "field_name": ["stop_name", "stop_name"],
                                 "language": ["eu", "fr"], "translation": ["Hendaiako Geltokia", "Saint-Sébastien Amara"],
                                 "record_id": ["t:S0", ""], "field_value": ["", "Donostia Amara"]})
    finder = StopFinder(graph, translations)
    match = finder.by_name("geltokia")[0]
    assert match.index == 0 and match.matched == "Hendaiako Geltokia" and match.name == "Gare d'Hendaye"
    assert [m.index for m in finder.by_name("saint sebastien")] == [5]
    assert [m.index for m in StopFinder(graph, {"t:S4": ["Herriko Etxea"]}).by_name("herriko")] == [4]


def test_near_returns_stops_within_the_distance_nearest_first(feeds_dir):
    graph = network("hart")
    finder = StopFinder(graph)
    lat, lon = float(graph.stop_lat[100]) + 0.001, float(graph.stop_lon[100])
    found = finder.near(lat, lon, 800)
    metres = haversine_m(lat, lon, graph.stop_lat, graph.stop_lon)
    assert [s for s, _ in found] == [int(i) for i in np.argsort(metres, kind="stable") if metres[i] <= 800]
    assert found and found[0][1] <= found[-1][1] <= 800
    assert finder.near(0.0, 0.0, 1000) == []


def test_a_station_ranks_as_its_best_matching_stop():
    """'Concord' finds the station 'BART Concord' through its platform 'Concord', ahead of a bus
    stop whose name only starts with the word."""
    graph = graph_from_trips(3, [Trip([0, 1], [0, 60])])
    graph.stop_names = np.array(["BART Concord", "Concord", "Concord Ave/Commerce Ave"], dtype=object)
    graph.stop_kind = np.array([2, 0, 0], dtype=np.int8)
    graph.stop_parent = np.array([-1, 0, -1], dtype=np.int32)
    found = StopFinder(graph).by_name("concord")
    assert [match.index for match in found] == [0, 2]  # the station (standing for its platform), then the bus stop
