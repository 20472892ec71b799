"""Cross-operator stop matching: candidate pairs, scores with reasons, overrides, interchange hubs.

Input: the combined stops frame (see `regie.integrate.stops.frame`): operator_id, stop_id
(namespaced), stop_name, stop_lat, stop_lon, location_type, parent_station, mode. Only
stops/platforms (location_type 0 or empty) and stations (1) take part; entrances, nodes and
boarding areas follow their parents.

Score (in [0, 1]) = 0.35 × distance + 0.50 × name + 0.15 × mode, where
- distance = 1 − d / max_distance_m (0 beyond: a forced pair further away);
- name = `names.name_similarity` of the normalised names (stop words, plus every operator id's
  tokens, removed); 0.5 (neutral) when a name is empty after normalisation;
- mode = 1.0 same mode, 0.9 two rail-bound modes (`regie.gtfs.modes.RAIL_BOUND`),
  0.8 any other pair (a feeder interchange, e.g. rail ↔ bus), 0.5 when a mode is unknown.

Decisions: "denied" (in the overrides' deny list; kept for the record, never in a hub), "forced"
(in the force list, whatever the score or distance), "auto" (score ≥ min_score). The review table
lists the pairs without override whose score is within `review_margin` of `min_score`.

Hubs: connected components of the auto and forced pairs, each stop also linked to its own parent
station (a matched platform brings its station along). A hub reuses an existing station when the
component has one: the station of the operator with the most stops in the frame ("largest"),
ties broken by the smallest station id. Stations are never nested: every other station of the
component is *merged* (its row stays, but its children — members or not — are re-parented under
the hub station, and it is listed in `merged_stations`). With no station in the component, a new
station is created at the members' centroid, named after the most common normalised name (the
shortest original name carrying it).

Hub ids are derived from what the hub joins: `hub:<12 hex>` of a SHA-256 of its sorted member stop
ids (`hub_id_for`). Adding an operator whose stops join no existing hub leaves every id as it
was, and one id names the same members in the internal and the open feed (a hub that gains or
loses a member is another hub, with another id). A created station takes the hub's id.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from regie.gtfs.geo import haversine_m
from regie.gtfs.modes import RAIL_BOUND
from regie.integrate.stops.names import STOP_WORDS, name_similarities, normalise_names
from regie.integrate.stops.overrides import StopMatchOverrides
from regie.integrate.stops.spatial import pairs_within

WEIGHTS = {"distance": 0.35, "name": 0.50, "mode": 0.15}
DEFAULT_MIN_SCORE = 0.6
DEFAULT_REVIEW_MARGIN = 0.1
HUB_OPERATOR = "hub"
_SIDE_COLUMNS = {"operator_id": "operator", "stop_name": "name", "location_type": "location_type",
                 "mode": "mode", "parent_station": "parent_station"}
PAIR_COLUMNS = ["stop_id_a", "stop_id_b", "distance_m"] + [f"{c}_{s}" for s in "ab" for c in _SIDE_COLUMNS.values()]


def hub_id_for(members: Iterable[str]) -> str:
    """`hub:<12 hex>`: the id of the hub joining the stop ids `members` (order and repeats ignored)."""
    digest = hashlib.sha256("\n".join(sorted(set(members))).encode("utf-8")).hexdigest()
    return f"{HUB_OPERATOR}:{digest[:12]}"


def location_types(stops: pd.DataFrame) -> pd.Series:
    """The stops' location_type as int64 (empty or unreadable: 0, a stop or platform)."""
    return pd.to_numeric(stops["location_type"].replace("", 0), errors="coerce").fillna(0).astype("int64")


def matchable(stops: pd.DataFrame) -> pd.DataFrame:
    """The stops and stations of the frame (location_type 0, empty or 1), with a clean index."""
    types = location_types(stops)
    return stops[types.isin([0, 1])].assign(location_type=types[types.isin([0, 1])]).reset_index(drop=True)


def pair_frame(stops: pd.DataFrame, i: np.ndarray, j: np.ndarray, distance: np.ndarray) -> pd.DataFrame:
    """Pairs of rows `i`, `j` of `stops` (unordered: side a is the smaller stop id), `PAIR_COLUMNS`:
    stop_id_a, stop_id_b, distance_m, and per side operator, name, location_type, mode, parent_station."""
    ids = stops["stop_id"].to_numpy(dtype=object)
    swap = ids[i] > ids[j]
    a, b = np.where(swap, j, i), np.where(swap, i, j)
    frame = pd.DataFrame({"stop_id_a": ids[a], "stop_id_b": ids[b], "distance_m": distance})
    for source, name in _SIDE_COLUMNS.items():
        values = stops[source].to_numpy()
        frame[f"{name}_a"] = values[a]
        frame[f"{name}_b"] = values[b]
    frame = frame.astype({c: "str" for c in PAIR_COLUMNS if c != "distance_m" and not c.startswith("location_type")})
    return frame[PAIR_COLUMNS].sort_values(["stop_id_a", "stop_id_b"], ignore_index=True)


def candidate_pairs(stops: pd.DataFrame, max_distance_m: float = 150.0) -> pd.DataFrame:
    """Pairs of stops or stations of different operators at most `max_distance_m` apart (grid
    index, great-circle distance). Columns: stop_id_a < stop_id_b, distance_m, and per side
    operator, name, location_type, mode, parent_station (`_a`, `_b`)."""
    pool = matchable(stops)
    i, j, distance = pairs_within(pool["stop_lat"].to_numpy(dtype=float), pool["stop_lon"].to_numpy(dtype=float),
                                  max_distance_m, groups=pool["operator_id"].to_numpy(dtype=object))
    return pair_frame(pool, i, j, distance)


def _mode_scores(a: pd.Series, b: pd.Series) -> np.ndarray:
    a, b = a.fillna("").to_numpy(dtype=object), b.fillna("").to_numpy(dtype=object)
    rail = np.isin(a, list(RAIL_BOUND)) & np.isin(b, list(RAIL_BOUND))
    return np.select([(a == "") | (b == ""), a == b, rail], [0.5, 1.0, 0.9], default=0.8)


def _fmt(values: Iterable[float], digits: int = 2) -> list[str]:
    return [f"{v:.{digits}f}" for v in values]


def score_pairs(
    pairs: pd.DataFrame, *, max_distance_m: float = 150.0, stop_words: Iterable[str] | None = None
) -> pd.DataFrame:
    """The pairs with distance_score, norm_name_a/b, name_score, mode_score, score and a human
    `reason` (see the module docstring for the formula). Returns a new frame."""
    operators = pd.unique(pd.concat([pairs["operator_a"], pairs["operator_b"]]))
    words = set(STOP_WORDS if stop_words is None else stop_words)
    for operator in operators:
        words.update(str(operator).lower().replace("-", " ").replace("_", " ").split())
    out = pairs.copy()
    out["norm_name_a"] = normalise_names(out["name_a"], words)
    out["norm_name_b"] = normalise_names(out["name_b"], words)
    out["distance_score"] = np.clip(1.0 - out["distance_m"].to_numpy(dtype=float) / max_distance_m, 0.0, 1.0)
    name = name_similarities(out["norm_name_a"], out["norm_name_b"])
    out["name_score"] = np.where(np.isnan(name), 0.5, name)
    out["mode_score"] = _mode_scores(out["mode_a"], out["mode_b"])
    out["score"] = (WEIGHTS["distance"] * out["distance_score"] + WEIGHTS["name"] * out["name_score"]
                    + WEIGHTS["mode"] * out["mode_score"])
    if len(out) == 0:
        out["reason"] = pd.Series([], dtype="str")
        return out
    name_text = np.where(np.isnan(name), "a name empty after normalisation (neutral 0.50)",
                         "names '" + out["norm_name_a"] + "' ~ '" + out["norm_name_b"] + "' ("
                         + pd.Series(_fmt(out["name_score"]), index=out.index) + ")")
    out["reason"] = (
        pd.Series(_fmt(out["distance_m"], 0), index=out.index) + " m apart ("
        + pd.Series(_fmt(out["distance_score"]), index=out.index) + "); " + name_text + "; modes "
        + out["mode_a"].replace("", "?") + "/" + out["mode_b"].replace("", "?") + " ("
        + pd.Series(_fmt(out["mode_score"]), index=out.index) + "); score "
        + pd.Series(_fmt(out["score"]), index=out.index)
    ).astype("str")
    return out


@dataclass
class MatchResult:
    """What `match_stops` found.

    - matches: the scored pairs with a decision "auto" | "forced" | "denied" (denied rows are kept
      for the record and never join a hub);
    - review: pairs without override whose score is within the review margin of min_score, with
      `decision` "auto" or "rejected";
    - hubs: hub_id, station_id, station_is_new, station_name, station_lat, station_lon, members
      (sorted stop ids), operators, merged_stations;
    - reparent: stop_id, hub_id, old_parent_station, new_parent_station, reason ("matched" or
      "child of merged station <id>");
    - new_stations: rows in the stops-frame shape for the created stations (id: the hub's id);
    - unknown_overrides: override pairs naming a stop id absent from the frame (kind, a, b, missing);
    - conflicts: denied pairs that still ended in one hub through other matches (hub_id, a, b).
    """

    matches: pd.DataFrame
    review: pd.DataFrame
    hubs: pd.DataFrame
    reparent: pd.DataFrame
    new_stations: pd.DataFrame
    candidates: pd.DataFrame
    unknown_overrides: list[dict[str, str]] = field(default_factory=list)
    conflicts: list[dict[str, str]] = field(default_factory=list)


def _override_pairs(pool: pd.DataFrame, keys: set[tuple[str, str]], known: pd.DataFrame) -> pd.DataFrame:
    """Pair rows for override keys that are not candidates (e.g. further than the distance)."""
    present = set(zip(known["stop_id_a"], known["stop_id_b"], strict=True))
    wanted = [k for k in sorted(keys) if k not in present]
    position = pd.Series(np.arange(len(pool)), index=pool["stop_id"].to_numpy())
    wanted = [k for k in wanted if k[0] in position.index and k[1] in position.index]
    if not wanted:
        return pair_frame(pool, np.array([], dtype=int), np.array([], dtype=int), np.array([], dtype=float))
    i = position.loc[[a for a, _ in wanted]].to_numpy()
    j = position.loc[[b for _, b in wanted]].to_numpy()
    lat, lon = pool["stop_lat"].to_numpy(dtype=float), pool["stop_lon"].to_numpy(dtype=float)
    return pair_frame(pool, i, j, haversine_m(lat[i], lon[i], lat[j], lon[j]))


def _components(edges_a: np.ndarray, edges_b: np.ndarray, size: int) -> np.ndarray:
    """Component label (smallest node index) of each of `size` nodes, by label propagation."""
    labels = np.arange(size)
    while True:
        low = np.minimum(labels[edges_a], labels[edges_b])
        before = labels.copy()
        np.minimum.at(labels, edges_a, low)
        np.minimum.at(labels, edges_b, low)
        labels = labels[labels]  # pointer jumping
        if np.array_equal(labels, before):
            return labels


def match_stops(
    stops: pd.DataFrame,
    overrides: StopMatchOverrides | None = None,
    *,
    max_distance_m: float = 150.0,
    min_score: float = DEFAULT_MIN_SCORE,
    review_margin: float = DEFAULT_REVIEW_MARGIN,
    stop_words: Iterable[str] | None = None,
) -> MatchResult:
    """Match stops and stations of different operators into interchange hubs (module docstring)."""
    overrides = overrides or StopMatchOverrides()
    pool = matchable(stops)
    ids = set(pool["stop_id"])
    all_ids = set(stops["stop_id"])
    unknown = []
    for kind, pairs in (("force", overrides.force), ("deny", overrides.deny)):
        for pair in pairs:
            missing = [s for s in pair.key if s not in ids]
            if missing:
                unknown.append({"kind": kind, "a": pair.key[0], "b": pair.key[1],
                                "missing": ", ".join(s if s not in all_ids else f"{s} (not a stop or station)" for s in missing)})
    forced, denied = overrides.forced(), overrides.denied()
    candidates = candidate_pairs(stops, max_distance_m)
    extra = _override_pairs(pool, forced | denied, candidates)
    scored = score_pairs(pd.concat([candidates, extra], ignore_index=True) if len(extra) else candidates,
                         max_distance_m=max_distance_m, stop_words=stop_words)
    keys = pd.Series(list(zip(scored["stop_id_a"], scored["stop_id_b"], strict=True)), index=scored.index, dtype=object)
    is_denied = keys.map(lambda k: k in denied).astype(bool)
    is_forced = keys.map(lambda k: k in forced).astype(bool)
    auto = scored["score"] >= min_score
    decision = np.select([is_denied, is_forced, auto], ["denied", "forced", "auto"], default="rejected")
    scored["decision"] = decision
    suffix = np.select([is_denied, is_forced, auto],
                       [": denied by override", ": forced by override", f" >= {min_score:.2f}: auto"],
                       default=f" < {min_score:.2f}: rejected")
    scored["reason"] = (scored["reason"] + suffix).astype("str")
    matches = scored[scored["decision"] != "rejected"].reset_index(drop=True)
    near = (scored["score"] - min_score).abs() <= review_margin
    review = scored[near & ~is_denied & ~is_forced].reset_index(drop=True)
    hubs, reparent, new_stations, conflicts = build_hubs(stops, matches, denied)
    return MatchResult(matches=matches, review=review, hubs=hubs, reparent=reparent, new_stations=new_stations,
                       candidates=scored, unknown_overrides=unknown, conflicts=conflicts)


def build_hubs(
    stops: pd.DataFrame, matches: pd.DataFrame, denied: set[tuple[str, str]] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dict[str, str]]]:
    """Hubs, re-parenting, new stations and deny conflicts from the kept matches (module docstring)."""
    kept = matches[matches["decision"].isin(["auto", "forced"])]
    frame = stops.assign(location_type=location_types(stops)).reset_index(drop=True)
    position = pd.Series(np.arange(len(frame)), index=frame["stop_id"].to_numpy())
    members = pd.unique(pd.concat([kept["stop_id_a"], kept["stop_id_b"]]))
    parents = frame.set_index("stop_id").loc[members, "parent_station"] if len(members) else pd.Series([], dtype="str")
    parents = parents[(parents != "") & parents.isin(position.index)]
    edge_a = np.concatenate([position.loc[kept["stop_id_a"]].to_numpy(), position.loc[parents.index].to_numpy()])
    edge_b = np.concatenate([position.loc[kept["stop_id_b"]].to_numpy(), position.loc[parents.to_numpy()].to_numpy()])
    labels = _components(edge_a.astype(np.int64), edge_b.astype(np.int64), len(frame))
    nodes = np.unique(np.concatenate([edge_a, edge_b])).astype(np.int64)
    operator_size = frame["operator_id"].value_counts()
    hub_rows, reparent_rows, new_rows = [], [], []
    hub_of: dict[str, str] = {}
    groups = pd.DataFrame({"node": nodes, "label": labels[nodes]})
    groups["stop_id"] = frame["stop_id"].to_numpy()[nodes]
    ordered = groups.groupby("label")["stop_id"].min().sort_values()
    children = frame[frame["parent_station"] != ""].groupby("parent_station")["stop_id"].apply(list).to_dict()
    for label in ordered.index:
        part = frame.iloc[groups.loc[groups["label"] == label, "node"].to_numpy()].sort_values("stop_id")
        hub_id = hub_id_for(part["stop_id"])
        stations = part[part["location_type"] == 1]
        if len(stations):
            ranked = stations.assign(size=stations["operator_id"].map(operator_size)).sort_values(
                ["size", "stop_id"], ascending=[False, True])
            station = ranked.iloc[0]
            station_id, is_new = station["stop_id"], False
            name, lat, lon = station["stop_name"], float(station["stop_lat"]), float(station["stop_lon"])
        else:
            station_id, is_new = hub_id, True
            norms = normalise_names(part["stop_name"], set(STOP_WORDS) | set(part["operator_id"]))
            common = Counter(n for n in norms if n).most_common(1)
            carriers = part["stop_name"][norms == common[0][0]] if common else part["stop_name"]
            name = min(carriers, key=lambda s: (len(s), s))
            lat, lon = float(part["stop_lat"].mean()), float(part["stop_lon"].mean())
            modes = [m for m in part["mode"] if m]
            new_rows.append({"operator_id": HUB_OPERATOR, "stop_id": hub_id, "stop_name": name, "stop_lat": lat,
                             "stop_lon": lon, "location_type": 1, "parent_station": "",
                             "mode": Counter(modes).most_common(1)[0][0] if modes else ""})
        merged = [s for s in stations["stop_id"] if s != station_id]
        moved: dict[str, tuple[str, str]] = {}
        for stop_id, parent, kind in zip(part["stop_id"], part["parent_station"], part["location_type"], strict=True):
            if kind != 1 and parent != station_id:
                reason = f"child of merged station {parent}" if parent in merged else "matched"
                moved[stop_id] = (parent, reason)
        for station_gone in merged:
            for child in children.get(station_gone, []):
                moved.setdefault(child, (station_gone, f"child of merged station {station_gone}"))
        for stop_id, (old, reason) in sorted(moved.items()):
            reparent_rows.append({"stop_id": stop_id, "hub_id": hub_id, "old_parent_station": old,
                                  "new_parent_station": station_id, "reason": reason})
        member_ids = sorted(part["stop_id"])
        hub_of.update(dict.fromkeys(member_ids, hub_id))
        hub_rows.append({"hub_id": hub_id, "station_id": station_id, "station_is_new": is_new, "station_name": name,
                         "station_lat": lat, "station_lon": lon, "members": member_ids,
                         "operators": sorted(set(part["operator_id"])), "merged_stations": merged})
    hubs = pd.DataFrame(hub_rows, columns=["hub_id", "station_id", "station_is_new", "station_name", "station_lat",
                                           "station_lon", "members", "operators", "merged_stations"])
    reparent = pd.DataFrame(reparent_rows, columns=["stop_id", "hub_id", "old_parent_station", "new_parent_station",
                                                    "reason"])
    new_stations = pd.DataFrame(new_rows, columns=list(stops.columns) if len(stops.columns) else None)
    conflicts = [{"hub_id": hub_of[a], "a": a, "b": b} for a, b in sorted(denied or ())
                 if a in hub_of and hub_of.get(a) == hub_of.get(b)]
    return hubs, reparent, new_stations, conflicts


def apply_hubs(stops: pd.DataFrame, result: MatchResult) -> pd.DataFrame:
    """A new stops frame with the re-parenting applied and the new hub stations appended
    (merged stations keep their row, childless)."""
    out = stops.copy()
    new_parent = result.reparent.set_index("stop_id")["new_parent_station"]
    moved = out["stop_id"].isin(new_parent.index)
    out.loc[moved, "parent_station"] = out.loc[moved, "stop_id"].map(new_parent)
    if len(result.new_stations):
        out = pd.concat([out, result.new_stations[out.columns]], ignore_index=True)
    return out


def restrict_match(stops: pd.DataFrame, result: MatchResult, operators: Iterable[str]) -> MatchResult:
    """The match limited to `operators`' stops (e.g. the open operators for the published feed):
    the pairs among them, and hubs rebuilt from those pairs alone, so that no other operator's
    station, stop or name appears."""
    keep = set(operators)

    def among(frame: pd.DataFrame) -> pd.DataFrame:
        if not len(frame):
            return frame
        return frame[frame["operator_a"].isin(keep) & frame["operator_b"].isin(keep)].reset_index(drop=True)

    subset = stops[stops["operator_id"].isin(keep)].reset_index(drop=True)
    matches = among(result.matches)
    denied = matches[matches["decision"] == "denied"] if len(matches) else matches
    hubs, reparent, new_stations, conflicts = build_hubs(
        subset, matches, set(zip(denied.get("stop_id_a", []), denied.get("stop_id_b", []), strict=True)))
    unknown = [o for o in result.unknown_overrides if o["a"].split(":", 1)[0] in keep and o["b"].split(":", 1)[0] in keep]
    return MatchResult(matches=matches, review=among(result.review), hubs=hubs, reparent=reparent,
                       new_stations=new_stations, candidates=among(result.candidates), unknown_overrides=unknown,
                       conflicts=conflicts)
