"""pool_unlinked_nearby_stops (WARNING): stops/platforms (location_type 0 or empty) of two operators
less than `near_stop_m` apart and not in one hub. Pairs denied by an override are left out (someone
decided they are different places).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.notices import Severity, notices_frame
from regie.gtfs.columns import column
from regie.integrate.checks.common import DEFAULT_SETTINGS, PoolCheckSettings, contexts, findings
from regie.integrate.stops.matching import MatchResult
from regie.integrate.stops.spatial import pairs_within

UNLINKED_NEARBY_STOPS = "pool_unlinked_nearby_stops"
SEVERITY = Severity.WARNING


def unlinked_nearby_stops(stops: pd.DataFrame, match: MatchResult, hub_of: pd.Series,
                          settings: PoolCheckSettings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """pool_unlinked_nearby_stops findings: one per pair of close stops in no common hub."""
    kind = pd.to_numeric(column(stops, "location_type").replace("", "0"), errors="coerce").fillna(0)
    pool = stops[kind.to_numpy() == 0].reset_index(drop=True)
    i, j, distance = pairs_within(pool["stop_lat"].to_numpy(dtype=float), pool["stop_lon"].to_numpy(dtype=float),
                                  settings.near_stop_m, groups=pool["operator_id"].to_numpy(dtype=object))
    keep = distance < settings.near_stop_m
    i, j, distance = i[keep], j[keep], distance[keep]
    ids = pool["stop_id"].to_numpy(dtype=object)
    swap = ids[i] > ids[j]
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    found = pd.DataFrame({"stop_id_a": ids[a], "stop_id_b": ids[b], "distance_m": np.round(distance, 1)})
    for name in ("operator_id", "stop_name"):
        values = pool[name].to_numpy(dtype=object)
        found[f"{name}_a"], found[f"{name}_b"] = values[a], values[b]
    for side in "ab":
        hubs = found[f"stop_id_{side}"].map(hub_of).astype(object)
        found[f"hub_{side}"] = hubs.where(hubs.notna(), None)
    linked = found["hub_a"].notna() & (found["hub_a"] == found["hub_b"])
    found = found[~linked]
    scored = match.candidates
    if len(scored):
        scored = scored[["stop_id_a", "stop_id_b", "score", "decision"]].drop_duplicates(["stop_id_a", "stop_id_b"])
        found = found.merge(scored, on=["stop_id_a", "stop_id_b"], how="left")
        found = found[found["decision"] != "denied"]
    else:
        found = found.assign(score=np.nan, decision=None)
    if not len(found):
        return notices_frame()
    found = found.rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b"})
    found = found.sort_values(["operator_a", "operator_b", "stop_id_a", "stop_id_b"], ignore_index=True)
    found["score"] = found["score"].round(2)
    in_a, in_b = found["hub_a"].notna(), found["hub_b"].notna()
    hub_a, hub_b = found["hub_a"].where(in_a, "").astype("str"), found["hub_b"].where(in_b, "").astype("str")
    hubs = np.select([in_a & in_b, in_a, in_b],
                     [" (they are in different hubs, " + hub_a + " and " + hub_b + ")",
                      " (only the first is in a hub, " + hub_a + ")", " (only the second is in a hub, " + hub_b + ")"],
                     default="")
    message = ("Stop " + found["stop_id_a"] + " '" + found["stop_name_a"] + "' of " + found["operator_a"] + " and stop "
               + found["stop_id_b"] + " '" + found["stop_name_b"] + "' of " + found["operator_b"] + " are "
               + found["distance_m"].round().astype(int).astype(str) + " m apart but not in one hub" + hubs
               + ": likely one place published twice; force or deny the pair in configs/stop_matches.yaml.")
    context = contexts(found, ["operator_a", "operator_b", "stop_id_a", "stop_id_b", "stop_name_a", "stop_name_b",
                               "distance_m", "hub_a", "hub_b", "score", "decision"])
    return findings(UNLINKED_NEARBY_STOPS, SEVERITY, message, context, file="stops.txt", field="stop_id")
