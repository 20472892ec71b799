"""Stops and their parent: children far from their parent, and parents whose own coordinates are
the broken ones (at 0,0, lat/lon swapped, a typo) while their children agree with each other.

- stop_too_far_from_parent_station (WARNING; ERROR beyond 10x the threshold): a stop, entrance,
  generic node or boarding area (location_type 0/2/3/4) farther than
  `thresholds.parent_station_max_distance_m` from its parent_station. A parent with broken
  coordinates thus shows up with every one of its children.
- parent_station_coordinates_suspect (ERROR beyond 10x the threshold, the broken coordinates it is
  meant for; WARNING when nearer): the parent is farther than the threshold from the centroid of
  its children while those (at least two) lie within the threshold of that centroid: the parent's
  coordinates are the wrong ones. The context says when they look swapped or zero.

Unknown parents and wrong parent types are canonical (foreign_key_violation,
wrong_parent_location_type); stops without coordinates are skipped, and so are children at 0,0
(canonical's point_near_origin; for generic nodes and boarding areas it often means "no
coordinates"). A parent at 0,0 is kept: that is the broken parent this rule is for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, int_text, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, location_types, numeric, rows, table
from regie.gtfs.feed_tables import FeedTables
from regie.gtfs.geo import haversine_m

CHILD_TYPES = (0, 2, 3, 4)
ERROR_FACTOR = 10
MIN_CHILDREN = 2


def _stops(feed: FeedTables) -> pd.DataFrame:
    stops = table(feed, "stops")
    return pd.DataFrame({
        "stop_id": column(stops, "stop_id"),
        "stop_name": column(stops, "stop_name"),
        "parent_station": column(stops, "parent_station"),
        "location_type": location_types(stops),
        "lat": numeric(stops, "stop_lat"),
        "lon": numeric(stops, "stop_lon"),
        "row": rows(stops),
    })


def child_parent_pairs(feed: FeedTables) -> pd.DataFrame:
    """Children with coordinates joined to their (first-listed) parent with coordinates, with
    `distance_m` between them."""
    stops = _stops(feed)
    located = stops[stops["lat"].notna() & stops["lon"].notna()]
    children = located[(located["parent_station"] != "") & located["location_type"].isin(CHILD_TYPES)
                       & ~((located["lat"] == 0) & (located["lon"] == 0))]
    parents = located.drop_duplicates("stop_id")[["stop_id", "stop_name", "lat", "lon", "row"]]
    pairs = children.merge(parents.add_prefix("parent_"), left_on="parent_station", right_on="parent_stop_id")
    pairs["distance_m"] = haversine_m(pairs["lat"], pairs["lon"], pairs["parent_lat"], pairs["parent_lon"])
    return pairs.reset_index(drop=True)


def too_far(pairs: pd.DataFrame, threshold_m: float) -> pd.DataFrame:
    hits = pairs[pairs["distance_m"] > threshold_m].reset_index(drop=True)
    if hits.empty:
        return no_notices()
    severity = np.where(hits["distance_m"] > ERROR_FACTOR * threshold_m, Severity.ERROR.value, Severity.WARNING.value)
    hits["distance_m"] = hits["distance_m"].round(1)
    hits["threshold_m"] = threshold_m
    message = (
        "Stop " + hits["stop_id"] + " is " + int_text(hits["distance_m"]) + " m from its parent station "
        + hits["parent_station"] + " (more than " + f"{threshold_m:g}" + " m): the stop's or the parent's "
        "coordinates are wrong, or the parent is the wrong station."
    )
    return notices(
        "stop_too_far_from_parent_station", pd.Series(severity), file="stops.txt", row=hits["row"],
        field="parent_station", message=message,
        context=records(hits, {"stop_id": "stop_id", "parent_station": "parent_station", "distance_m": "distance_m",
                               "threshold_m": "threshold_m", "parent_row": "parent_row"}),
    )


def suspect_parents(pairs: pd.DataFrame, threshold_m: float) -> pd.DataFrame:
    if pairs.empty:
        return no_notices()
    groups = pairs.groupby("parent_station", sort=False)
    parents = groups.agg(
        children=("stop_id", "size"), centroid_lat=("lat", "mean"), centroid_lon=("lon", "mean"),
        parent_lat=("parent_lat", "first"), parent_lon=("parent_lon", "first"), parent_row=("parent_row", "first"),
    )
    spread = pd.Series(
        haversine_m(pairs["lat"], pairs["lon"], pairs["parent_station"].map(parents["centroid_lat"]),
                    pairs["parent_station"].map(parents["centroid_lon"])),
        index=pairs.index,
    ).groupby(pairs["parent_station"], sort=False).max()
    parents["spread_m"] = spread
    parents["distance_m"] = haversine_m(parents["parent_lat"], parents["parent_lon"],
                                        parents["centroid_lat"], parents["centroid_lon"])
    hits = parents[(parents["children"] >= MIN_CHILDREN) & (parents["spread_m"] <= threshold_m)
                   & (parents["distance_m"] > threshold_m)].reset_index()
    if hits.empty:
        return no_notices()
    swapped = haversine_m(hits["parent_lon"], hits["parent_lat"], hits["centroid_lat"], hits["centroid_lon"]) <= threshold_m
    zero = (hits["parent_lat"].abs() < 1e-6) & (hits["parent_lon"].abs() < 1e-6)
    hits["likely_cause"] = np.select([zero, swapped], ["zero_coordinates", "swapped_lat_lon"], "wrong_coordinates")
    explanation = np.select(
        [zero, swapped],
        [" Its coordinates are 0,0.", " Its stop_lat and stop_lon look swapped."],
        " Its coordinates look wrong.",
    )
    for name in ("centroid_lat", "centroid_lon"):
        hits[name] = hits[name].round(6)
    hits["distance_m"] = hits["distance_m"].round(1)
    hits["spread_m"] = hits["spread_m"].round(1)
    severity = np.where(hits["distance_m"] > ERROR_FACTOR * threshold_m, Severity.ERROR.value, Severity.WARNING.value)
    message = (
        "Parent station " + hits["parent_station"] + " lies " + int_text(hits["distance_m"]) + " m from its "
        + hits["children"].astype(str) + " child stops, which all lie within " + int_text(hits["spread_m"])
        + " m of each other's centre." + pd.Series(explanation)
    )
    return notices(
        "parent_station_coordinates_suspect", pd.Series(severity), file="stops.txt", row=hits["parent_row"],
        field="stop_lat", message=message,
        context=records(hits, {"parent_station": "stop_id", "children": "children", "distance_m": "distance_m",
                               "spread_m": "children_spread_m", "centroid_lat": "children_centroid_lat",
                               "centroid_lon": "children_centroid_lon", "likely_cause": "likely_cause"}),
    )


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    threshold = context.thresholds.parent_station_max_distance_m
    pairs = child_parent_pairs(feed)
    return combined([too_far(pairs, threshold), suspect_parents(pairs, threshold)])
