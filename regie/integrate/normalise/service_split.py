"""Shift a feed's times into another zone when the offset between the zones varies over its
service dates (daylight-saving changes on other dates, e.g. America/New_York into Europe/Paris)
or when a shifted time would fall before 00:00:00 of its service day.

Each service is cut into *variants* of constant shift, and a trip whose shifted first time would
be negative runs on the previous service day with 24 h added (GTFS times may exceed 24:00:00).
A service with a single variant whose trips all stay on their day keeps its id and calendar
rows; any other service is replaced by one service per variant `<service>@tz<n>`, each listing
its dates in calendar_dates.txt. A trip of a service with several shifts is copied once per
shift: the first copy keeps the trip id, the others are `<trip>@tz<n>` (references to the trip
in other tables, e.g. transfers or translations, keep pointing at the first copy). All
vectorised; every row removed or added is counted in the ledger.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from regie.gtfs.arrow_text import mapped, shifted_times
from regie.gtfs.arrow_text import positions as id_positions
from regie.gtfs.columns import column, gtfs_seconds
from regie.integrate.normalise.ledger import Ledger

DAY_S = 86400
SPLIT_REASON = "service split by time-zone offset (its dates listed in calendar_dates)"
COPY_REASON = "trip copied for another time-zone offset of its service"
TIMED = {"stop_times": ("arrival_time", "departure_time"), "frequencies": ("start_time", "end_time")}


def first_times(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Earliest time (seconds) of each trip in stop_times and frequencies."""
    trip_ids, times = [], []
    for name, fields in TIMED.items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        seconds = [gtfs_seconds(column(frame, f)).to_numpy(dtype=float) for f in fields if f in frame.columns]
        if not seconds:
            raise ValueError(f"{name} has none of the columns {', '.join(fields)}")
        with np.errstate(invalid="ignore"):
            times.append(np.fmin.reduce(seconds) if len(seconds) > 1 else seconds[0])
        trip_ids.append(column(frame, "trip_id"))
    if not trip_ids:
        return pd.Series(dtype=float)
    codes, uniques = pd.factorize(pd.concat(trip_ids, ignore_index=True), use_na_sentinel=False)
    first = pd.Series(np.concatenate(times)).groupby(codes).min()  # NaN only when every time is
    out = pd.Series(first.to_numpy(), index=pd.Index(uniques, name="trip_id")[first.index.to_numpy()], name="t")
    return out.sort_index()


def trip_variants(tables: dict[str, pd.DataFrame], shifts: pd.DataFrame, first: pd.Series | None = None) -> pd.DataFrame:
    """One row per trip copy: trip_id, new_trip_id, service_id, new_service_id, delta (seconds to
    add to its times). `shifts`: service_id, date (datetime64), shift (seconds) per service date."""
    variants = (shifts.groupby(["service_id", "shift"], sort=False)["date"].min().rename("first").reset_index()
                .sort_values(["service_id", "first"], kind="stable"))
    variants["shift_rank"] = variants.groupby("service_id").cumcount()
    trips = tables["trips"]
    first = first_times(tables) if first is None else first
    t = pd.DataFrame({"trip_id": column(trips, "trip_id").to_numpy(), "service_id": column(trips, "service_id").to_numpy()})
    t["t"] = mapped(t["trip_id"], first)
    copies = t.merge(variants, on="service_id", how="inner")
    copies["moved"] = (copies["t"] + copies["shift"]) < 0
    keys = copies[["service_id", "shift", "moved", "first"]].drop_duplicates().sort_values(
        ["service_id", "first", "moved"], kind="stable")
    keys["n"] = keys.groupby("service_id").cumcount() + 1
    per_service = keys.groupby("service_id")["n"].transform("size")
    keep = (per_service == 1) & ~keys["moved"]
    keys["new_service_id"] = np.where(keep, keys["service_id"], keys["service_id"] + "@tz" + keys["n"].astype(str))
    copies = copies.merge(keys[["service_id", "shift", "moved", "new_service_id"]], on=["service_id", "shift", "moved"])
    copies["new_trip_id"] = np.where(copies["shift_rank"] == 0, copies["trip_id"],
                                     copies["trip_id"] + "@tz" + (copies["shift_rank"] + 1).astype(str))
    copies["delta"] = copies["shift"] + np.where(copies["moved"], DAY_S, 0)
    return copies[["trip_id", "new_trip_id", "service_id", "new_service_id", "shift", "moved", "delta"]]


def _new_calendar_dates(shifts: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
    services = copies[copies["new_service_id"] != copies["service_id"]][
        ["service_id", "shift", "moved", "new_service_id"]].drop_duplicates()
    dated = shifts.merge(services, on=["service_id", "shift"])
    day = dated["date"] - pd.to_timedelta(dated["moved"].astype(int), unit="D")
    return pd.DataFrame({"service_id": dated["new_service_id"].to_numpy(), "date": day.dt.strftime("%Y%m%d").to_numpy(),
                         "exception_type": "1"}).drop_duplicates().sort_values(["service_id", "date"], ignore_index=True)


def _shift_times(frame: pd.DataFrame, fields: tuple[str, ...], delta: np.ndarray) -> pd.DataFrame:
    for field in fields:
        if field in frame.columns:
            frame[field] = shifted_times(column(frame, field), delta)
    return frame


def split_and_shift(tables: dict[str, pd.DataFrame], shifts: pd.DataFrame, ledger: Ledger,
                    first: pd.Series | None = None) -> dict[str, int]:
    """Apply the shifts (module docstring) to `tables` in place (`first`: `first_times` if known);
    returns counts for the notes: services_split, trips_copied, trips_moved."""
    copies = trip_variants(tables, shifts, first)
    split = set(copies.loc[copies["new_service_id"] != copies["service_id"], "service_id"])
    extra = copies[copies["new_trip_id"] != copies["trip_id"]]
    for name, fields in TIMED.items():
        frame = tables.get(name)
        if frame is None or not len(frame):
            continue
        if not len(extra):  # no trip copied: every row stays, shifted by its trip's delta
            found = id_positions(column(frame, "trip_id"), copies["trip_id"])
            delta = np.where(found >= 0, copies["delta"].to_numpy(dtype=float)[found], 0.0)
            tables[name] = _shift_times(frame.reset_index(drop=True), fields, delta)
            continue
        rows = pd.DataFrame({"trip_id": column(frame, "trip_id").to_numpy(), "_pos": np.arange(len(frame))})
        expanded = rows.merge(copies[["trip_id", "new_trip_id", "delta"]], on="trip_id", how="left", sort=False)
        expanded = expanded.sort_values(["_pos"], kind="stable")
        out = frame.iloc[expanded["_pos"].to_numpy()].reset_index(drop=True)
        out["trip_id"] = expanded["new_trip_id"].fillna(expanded["trip_id"]).to_numpy()
        tables[name] = _shift_times(out, fields, expanded["delta"].fillna(0).to_numpy())
        ledger.add(name, len(out) - len(frame), COPY_REASON)
    trips = tables["trips"]
    positions = pd.Series(np.arange(len(trips)), index=column(trips, "trip_id").to_numpy())
    positions = positions[~positions.index.duplicated()]
    kept = copies[copies["new_trip_id"] == copies["trip_id"]]
    first_service = kept.drop_duplicates("trip_id")
    found = id_positions(column(trips, "trip_id"), first_service["trip_id"])  # -1: a service without dates
    base = trips.copy()
    services = np.asarray(first_service["new_service_id"].to_numpy(dtype=object).tolist() + [None], dtype=object)
    base["service_id"] = pd.Series(services[found], index=trips.index, dtype="str").where(
        found >= 0, column(trips, "service_id")).astype("str")
    clones = trips.iloc[positions.loc[extra["trip_id"]].to_numpy()].reset_index(drop=True)
    clones["trip_id"] = extra["new_trip_id"].to_numpy()
    clones["service_id"] = extra["new_service_id"].to_numpy()
    tables["trips"] = pd.concat([base, clones], ignore_index=True)
    ledger.add("trips", len(clones), COPY_REASON)
    if split:
        for name in ("calendar", "calendar_dates"):
            frame = tables.get(name)
            if frame is not None and len(frame):
                outside = id_positions(column(frame, "service_id"), sorted(split)) < 0
                ledger.keep(tables, name, pd.Series(outside, index=frame.index), SPLIT_REASON)
        dates = _new_calendar_dates(shifts, copies)
        before = len(tables.get("calendar_dates", ()))
        existing = tables.get("calendar_dates")
        tables["calendar_dates"] = dates if existing is None else pd.concat([existing, dates], ignore_index=True).fillna("")
        ledger.add("calendar_dates", len(tables["calendar_dates"]) - before, SPLIT_REASON)
    return {"services_split": len(split), "trips_copied": len(extra),
            "trips_moved": int(copies.loc[copies["moved"], "trip_id"].nunique())}


__all__ = ["first_times", "split_and_shift", "trip_variants"]
