"""The registry's regional filter (bbox, agency_ids, route_ids, route_id_prefixes) and the
consistent pruning of every row that depends on what it removed.

Semantics (documented choice):
- criteria combine with AND: a route must belong to a listed agency (when `agency_ids`), and match
  `route_ids` OR one of `route_id_prefixes` (when either is given);
- `bbox` keeps every trip that serves at least one stop inside the box (a stop without
  coordinates uses its parent station's) and keeps such trips whole, with all their stops;
- rows removed by a criterion are counted as "regional_filter"; rows that only lose their
  referents (trips of a removed route, stop_times of a removed trip, stops, stations, shapes,
  services, fares... no longer used) as "unreferenced_after_filter".
All on whole columns (isin / masks), never row by row.
"""

from __future__ import annotations

import pandas as pd

from regie.config.operators import BoundingBox, RegionalFilter
from regie.gtfs.columns import column, numeric
from regie.gtfs.spec import TRANSLATION_RECORD_KIND
from regie.integrate.normalise.ledger import REGIONAL_FILTER, UNREFERENCED, Ledger

# location types kept with their kept parent: entrances, generic nodes, boarding areas
_CHILD_TYPES = ("2", "3", "4")


def _col(tables: dict[str, pd.DataFrame], table: str, name: str) -> pd.Series:
    frame = tables.get(table)
    if frame is None:
        return pd.Series([], dtype="str")
    return column(frame, name)


def _ref_ok(values: pd.Series, kept: pd.Series | set) -> pd.Series:
    """True where the reference is empty or points at a kept id."""
    return (values == "") | values.isin(kept)


def _stops_in_bbox(stops: pd.DataFrame, box: BoundingBox) -> pd.Series:
    lat, lon = numeric(stops, "stop_lat"), numeric(stops, "stop_lon")
    ids, parents = column(stops, "stop_id"), column(stops, "parent_station")
    by_id_lat = pd.Series(lat.to_numpy(), index=ids.to_numpy())
    by_id_lon = pd.Series(lon.to_numpy(), index=ids.to_numpy())
    by_id_lat = by_id_lat[~by_id_lat.index.duplicated()]
    by_id_lon = by_id_lon[~by_id_lon.index.duplicated()]
    lat = lat.fillna(parents.map(by_id_lat))
    lon = lon.fillna(parents.map(by_id_lon))
    inside = lat.between(box.min_lat, box.max_lat) & lon.between(box.min_lon, box.max_lon)
    return ids[inside.fillna(False).astype(bool)]


def apply_regional_filter(tables: dict[str, pd.DataFrame], rule: RegionalFilter | None, ledger: Ledger) -> list[str]:
    """Filter `tables` in place (its frames are replaced, never mutated). Returns notes."""
    if rule is None:
        return []
    notes: list[str] = []
    if "routes" in tables:
        route_ids, agency = _col(tables, "routes", "route_id"), _col(tables, "routes", "agency_id")
        keep = pd.Series(True, index=route_ids.index)
        if rule.agency_ids is not None:
            keep &= agency.isin([a.strip() for a in rule.agency_ids])
        if rule.route_ids is not None or rule.route_id_prefixes is not None:
            match = route_ids.isin([r.strip() for r in rule.route_ids or []])
            for prefix in rule.route_id_prefixes or []:
                match |= route_ids.str.startswith(prefix.strip())
            keep &= match
        ledger.keep(tables, "routes", keep, REGIONAL_FILTER)
        if rule.agency_ids is not None and "agency" in tables:
            ledger.keep(tables, "agency", _col(tables, "agency", "agency_id").isin(rule.agency_ids), REGIONAL_FILTER)
    kept_routes = _col(tables, "routes", "route_id")
    ledger.keep(tables, "trips", _col(tables, "trips", "route_id").isin(kept_routes), UNREFERENCED)
    if rule.bbox is not None and "stops" in tables and "stop_times" in tables:
        inside = _stops_in_bbox(tables["stops"], rule.bbox)
        st_trip = _col(tables, "stop_times", "trip_id")
        serving = st_trip[_col(tables, "stop_times", "stop_id").isin(inside)].unique()
        ledger.keep(tables, "trips", _col(tables, "trips", "trip_id").isin(serving), REGIONAL_FILTER)
    _prune(tables, ledger)
    notes.append(f"regional filter applied ({rule.model_dump(exclude_none=True)})")
    return notes


def _prune(tables: dict[str, pd.DataFrame], ledger: Ledger) -> None:
    """Remove every row left without a referent or a user after the filter."""
    trips = _col(tables, "trips", "trip_id")
    ledger.keep(tables, "stop_times", _col(tables, "stop_times", "trip_id").isin(trips), UNREFERENCED)
    ledger.keep(tables, "frequencies", _col(tables, "frequencies", "trip_id").isin(trips), UNREFERENCED)
    # routes with no trip left (the bbox emptied them)
    ledger.keep(tables, "routes", _col(tables, "routes", "route_id").isin(_col(tables, "trips", "route_id")), UNREFERENCED)
    ledger.keep(tables, "shapes", _col(tables, "shapes", "shape_id").isin(_col(tables, "trips", "shape_id")), UNREFERENCED)
    services = set(_col(tables, "trips", "service_id")) | set(_col(tables, "timeframes", "service_id"))
    for name in ("calendar", "calendar_dates"):
        ledger.keep(tables, name, _col(tables, name, "service_id").isin(services), UNREFERENCED)
    if "stops" in tables:
        ids, parents = _col(tables, "stops", "stop_id"), _col(tables, "stops", "parent_station")
        types = _col(tables, "stops", "location_type")
        kept = ids.isin(_col(tables, "stop_times", "stop_id"))
        for _ in range(3):  # platform -> station, boarding area -> platform -> station
            kept |= ids.isin(parents[kept])
        for _ in range(2):  # entrances, nodes, boarding areas of kept stations / platforms
            kept |= parents.isin(ids[kept]) & types.isin(_CHILD_TYPES)
        ledger.keep(tables, "stops", kept, UNREFERENCED)
    stops = _col(tables, "stops", "stop_id")
    zones = set(_col(tables, "stops", "zone_id"))
    routes = _col(tables, "routes", "route_id")
    ledger.keep(tables, "agency", _col(tables, "agency", "agency_id").isin(_col(tables, "routes", "agency_id"))
                | (_col(tables, "agency", "agency_id") == ""), UNREFERENCED)
    agencies = _col(tables, "agency", "agency_id")
    t = lambda name, col: _col(tables, name, col)
    ledger.keep(tables, "transfers", _ref_ok(t("transfers", "from_stop_id"), stops) & _ref_ok(t("transfers", "to_stop_id"), stops)
                & _ref_ok(t("transfers", "from_route_id"), routes) & _ref_ok(t("transfers", "to_route_id"), routes)
                & _ref_ok(t("transfers", "from_trip_id"), trips) & _ref_ok(t("transfers", "to_trip_id"), trips), UNREFERENCED)
    ledger.keep(tables, "pathways", t("pathways", "from_stop_id").isin(stops) & t("pathways", "to_stop_id").isin(stops),
                UNREFERENCED)
    ledger.keep(tables, "levels", t("levels", "level_id").isin(t("stops", "level_id")), UNREFERENCED)
    # fares v1: a rule survives when its route and zones survive; a fare when a rule of it survives,
    # or when it had no rule at all (valid on the whole network), and its agency survives
    fares_with_rules = set(t("fare_rules", "fare_id"))
    ledger.keep(tables, "fare_rules", _ref_ok(t("fare_rules", "route_id"), routes)
                & _ref_ok(t("fare_rules", "origin_id"), zones) & _ref_ok(t("fare_rules", "destination_id"), zones)
                & _ref_ok(t("fare_rules", "contains_id"), zones), UNREFERENCED)
    fare_ids = t("fare_attributes", "fare_id")
    ledger.keep(tables, "fare_attributes", (fare_ids.isin(t("fare_rules", "fare_id")) | ~fare_ids.isin(fares_with_rules))
                & _ref_ok(t("fare_attributes", "agency_id"), agencies), UNREFERENCED)
    # fares v2 links to stops and routes
    ledger.keep(tables, "stop_areas", t("stop_areas", "stop_id").isin(stops), UNREFERENCED)
    ledger.keep(tables, "route_networks", t("route_networks", "route_id").isin(routes), UNREFERENCED)
    ledger.keep(tables, "attributions", _ref_ok(t("attributions", "agency_id"), agencies)
                & _ref_ok(t("attributions", "route_id"), routes) & _ref_ok(t("attributions", "trip_id"), trips), UNREFERENCED)
    if "translations" in tables:
        kept_ids = {"agency": agencies, "stops": stops, "routes": routes, "trips": trips, "stop_times": trips,
                    "pathways": t("pathways", "pathway_id"), "levels": t("levels", "level_id"),
                    "attributions": t("attributions", "attribution_id")}
        names, records = t("translations", "table_name"), t("translations", "record_id")
        keep = pd.Series(True, index=names.index)
        for name in TRANSLATION_RECORD_KIND:
            mine = (names == name) & (records != "")
            keep &= ~mine | records.isin(kept_ids[name])
        ledger.keep(tables, "translations", keep, UNREFERENCED)
