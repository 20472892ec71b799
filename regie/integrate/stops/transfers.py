"""Generated walking transfers between operators, GTFS `transfers.txt` rows (transfer_type 2).

Pairs: every matched pair (decision auto or forced, whatever its distance) and every pair of
stops (location_type 0 or empty) of different operators at most `max_walk_m` apart, in both
directions. min_transfer_time = ceil(distance_m × detour_factor / walk_speed_mps + mode-pair
minimum), the mode-pair minimum looked up in `min_transfer_s` by (mode_from, mode_to), then
(mode_to, mode_from), else `default_min_transfer_s`.

Operators' own transfers (`operator_transfers`, namespaced ids) are all kept with source
"operator" and win over a generated row for the same (from_stop_id, to_stop_id).

Columns: from_stop_id, to_stop_id, transfer_type, min_transfer_time (Int64), and how each was
computed: distance_m, detour_factor, walk_speed_mps, walk_s, mode_pair ("bus/rail"), mode_min_s,
matched (bool), source ("generated" | "operator").
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from regie.integrate.stops.matching import location_types, pair_frame
from regie.integrate.stops.spatial import pairs_within

TRANSFER_COLUMNS = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time", "distance_m", "detour_factor",
                    "walk_speed_mps", "walk_s", "mode_pair", "mode_min_s", "matched", "source"]
DEFAULT_MIN_TRANSFER_S = 120


def _mode_minimum(mode_a: np.ndarray, mode_b: np.ndarray, table: Mapping[tuple[str, str], float],
                  default: float) -> np.ndarray:
    pairs = pd.DataFrame({"a": mode_a, "b": mode_b})
    unique = pairs.drop_duplicates()
    values = [table.get((a, b), table.get((b, a), default)) for a, b in zip(unique["a"], unique["b"], strict=True)]
    return pairs.merge(unique.assign(v=values), on=["a", "b"], how="left")["v"].to_numpy(dtype=float)


def walking_transfers(
    stops: pd.DataFrame,
    matches: pd.DataFrame | None = None,
    *,
    max_walk_m: float = 400.0,
    detour_factor: float = 1.3,
    walk_speed_mps: float = 1.2,
    min_transfer_s: Mapping[tuple[str, str], float] | None = None,
    default_min_transfer_s: float = DEFAULT_MIN_TRANSFER_S,
    operator_transfers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Walking transfers (see module docstring). Returns a new frame, sorted by from/to id."""
    if walk_speed_mps <= 0 or detour_factor < 1:
        raise ValueError("walk_speed_mps must be > 0 and detour_factor >= 1")
    frame = stops.assign(location_type=location_types(stops)).reset_index(drop=True)
    platforms = frame[frame["location_type"] == 0].reset_index(drop=True)
    i, j, distance = pairs_within(platforms["stop_lat"].to_numpy(dtype=float),
                                  platforms["stop_lon"].to_numpy(dtype=float), max_walk_m,
                                  groups=platforms["operator_id"].to_numpy(dtype=object))
    near = pair_frame(platforms, i, j, distance)[["stop_id_a", "stop_id_b", "distance_m", "mode_a", "mode_b"]]
    near["matched"] = False
    if matches is not None and len(matches):
        kept = matches[matches["decision"].isin(["auto", "forced"])]
        kept = kept[["stop_id_a", "stop_id_b", "distance_m", "mode_a", "mode_b"]].assign(matched=True)
        near = pd.concat([kept, near], ignore_index=True).drop_duplicates(["stop_id_a", "stop_id_b"], keep="first")
    forward = near.rename(columns={"stop_id_a": "from_stop_id", "stop_id_b": "to_stop_id",
                                   "mode_a": "mode_from", "mode_b": "mode_to"})
    backward = near.rename(columns={"stop_id_b": "from_stop_id", "stop_id_a": "to_stop_id",
                                    "mode_b": "mode_from", "mode_a": "mode_to"})
    both = pd.concat([forward, backward], ignore_index=True)
    mode_from = both["mode_from"].fillna("").to_numpy(dtype=object)
    mode_to = both["mode_to"].fillna("").to_numpy(dtype=object)
    walk_s = both["distance_m"].to_numpy(dtype=float) * detour_factor / walk_speed_mps
    mode_min = _mode_minimum(mode_from, mode_to, min_transfer_s or {}, default_min_transfer_s)
    generated = pd.DataFrame({
        "from_stop_id": both["from_stop_id"].astype("str"),
        "to_stop_id": both["to_stop_id"].astype("str"),
        "transfer_type": pd.array(np.full(len(both), 2), dtype="Int64"),
        "min_transfer_time": pd.array(np.ceil(walk_s + mode_min).astype("int64"), dtype="Int64"),
        "distance_m": both["distance_m"].to_numpy(dtype=float),
        "detour_factor": detour_factor,
        "walk_speed_mps": walk_speed_mps,
        "walk_s": walk_s,
        "mode_pair": pd.Series(mode_from, dtype="str").replace("", "?") + "/" + pd.Series(mode_to, dtype="str").replace("", "?"),
        "mode_min_s": mode_min,
        "matched": both["matched"].to_numpy(dtype=bool),
        "source": "generated",
    })
    if operator_transfers is not None and len(operator_transfers):
        own = operator_transfers[["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"]].copy()
        own["transfer_type"] = pd.to_numeric(own["transfer_type"], errors="coerce").astype("Int64")
        own["min_transfer_time"] = pd.to_numeric(own["min_transfer_time"], errors="coerce").astype("Int64")
        own = own.assign(distance_m=np.nan, detour_factor=np.nan, walk_speed_mps=np.nan, walk_s=np.nan, mode_pair="",
                         mode_min_s=np.nan, matched=False, source="operator")
        replaced = pd.MultiIndex.from_frame(generated[["from_stop_id", "to_stop_id"]]).isin(
            pd.MultiIndex.from_frame(own[["from_stop_id", "to_stop_id"]].astype("str")))
        generated = pd.concat([own[TRANSFER_COLUMNS], generated[~replaced]], ignore_index=True)
    return generated[TRANSFER_COLUMNS].sort_values(["from_stop_id", "to_stop_id", "source"], ignore_index=True)
