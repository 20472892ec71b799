"""pool_calendar_gap (WARNING): two operators sharing at least `corridor_min_shared_hubs` hubs, and a
period of at least `calendar_gap_min_days` consecutive days, within the span where at least one of
them runs, in which one has service and the other none at all (its feed has not started, has ended,
or has no service those days): connections at the shared hubs break. A period runs from the first
to the last day the one runs within a stretch without any service of the other; days when neither
runs inside it belong to it (a weekday-only operator's gap is one period, not one per week).
`gap_kind`: before_start, after_end, interruption, no_service.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from quality.notices import Severity, notices_frame
from regie.integrate.checks.common import (
    DEFAULT_SETTINGS,
    SAMPLE_SIZE,
    OperatorDates,
    PoolCheckSettings,
    contexts,
    findings,
    operator_pairs,
)
from regie.integrate.normalise import NormalisedFeed
from regie.integrate.stops.matching import MatchResult

CALENDAR_GAP = "pool_calendar_gap"
SEVERITY = Severity.WARNING


def shared_hubs(match: MatchResult) -> pd.DataFrame:
    """operator_a < operator_b, hubs (count), hub_ids and station_names (sorted by hub id)."""
    hubs = match.hubs
    columns = ["operator_a", "operator_b", "hubs", "hub_ids", "station_names"]
    if not len(hubs):
        return pd.DataFrame(columns=columns)
    served = hubs[["hub_id", "station_name", "operators"]].explode("operators").rename(columns={"operators": "operator_id"})
    pairs = operator_pairs(served[["hub_id", "operator_id"]], ["hub_id"])
    pairs = pairs.merge(hubs[["hub_id", "station_name"]], on="hub_id")
    pairs["order"] = pairs["hub_id"].str.extract(r"(\d+)$", expand=False).astype(float)
    pairs = pairs.sort_values(["operator_id_a", "operator_id_b", "order", "hub_id"])
    grouped = pairs.groupby(["operator_id_a", "operator_id_b"], sort=True)
    out = pd.DataFrame({"hubs": grouped.size(), "hub_ids": grouped["hub_id"].agg(list),
                        "station_names": grouped["station_name"].agg(list)}).reset_index()
    return out.rename(columns={"operator_id_a": "operator_a", "operator_id_b": "operator_b"})[columns]


def _weekly_pattern(days: np.ndarray) -> np.ndarray:
    """Which weekdays (0 = Monday) an operator serves in at least half of the weeks of its span."""
    if not len(days):
        return np.zeros(7, dtype=bool)
    weekday = (days + 3) % 7  # epoch day 0 was a Thursday
    weeks = max((days.max() - days.min() + 1) / 7, 1)
    return np.bincount(weekday, minlength=7) >= weeks / 2


def _gaps(running: np.ndarray, missing: np.ndarray, min_days: int) -> pd.DataFrame:
    """Periods (epoch days, inclusive) in which `missing` has no service day and `running` has:
    from the first to the last `running` day within each stretch without `missing` service (days
    when neither runs inside it belong to the period); at least `min_days` long. A weekday that
    `missing` does not serve in most weeks is its pattern, not a gap (a weekday-only service's
    weekends), while a day it usually serves (a holiday) is. Columns first, last, service_days
    (days `running` runs in it)."""
    columns = ["first", "last", "service_days"]
    if not len(running):
        return pd.DataFrame(columns=columns)
    low = min(running.min(), missing.min()) if len(missing) else running.min()
    high = max(running.max(), missing.max()) if len(missing) else running.max()
    days = np.arange(int(low), int(high) + 1)
    silent = ~np.isin(days, missing)
    runs = np.isin(days, running)
    stretch = np.cumsum(np.r_[0, silent[1:] != silent[:-1]])  # one label per stretch of equal `silent`
    usual = _weekly_pattern(missing)[(days + 3) % 7] if len(missing) else np.ones(len(days), dtype=bool)
    alone = np.flatnonzero(silent & runs & usual)
    if not len(alone):
        return pd.DataFrame(columns=columns)
    labels = stretch[alone]
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    ends = np.r_[starts[1:] - 1, len(alone) - 1]
    running_before = np.r_[0, np.cumsum(runs)]
    first, last = alone[starts], alone[ends]
    found = pd.DataFrame({"first": days[first], "last": days[last],
                          "service_days": running_before[last + 1] - running_before[first]})
    return found[found["last"] - found["first"] + 1 >= min_days]


def calendar_gaps(feeds: Mapping[str, NormalisedFeed], match: MatchResult,
                  settings: PoolCheckSettings = DEFAULT_SETTINGS, *,
                  operator_dates: OperatorDates | None = None) -> pd.DataFrame:
    """pool_calendar_gap findings: one per gap period of a pair of operators sharing hubs."""
    corridors = shared_hubs(match)
    corridors = corridors[corridors["hubs"] >= max(settings.corridor_min_shared_hubs, 1)]
    by_operator = {feed.operator_id: feed for feed in feeds.values()}
    corridors = corridors[corridors["operator_a"].isin(by_operator) & corridors["operator_b"].isin(by_operator)]
    if not len(corridors):
        return notices_frame()
    epoch = np.datetime64("1970-01-01", "D")
    operator_dates = operator_dates or OperatorDates()
    days = {op: np.unique(operator_dates(by_operator[op])["date"].to_numpy().astype("datetime64[D]")
                          - epoch).astype(np.int64)
            for op in pd.unique(corridors[["operator_a", "operator_b"]].to_numpy().ravel())}
    parts = []
    for corridor in corridors.itertuples(index=False):  # one iteration per pair of operators and direction
        for running, missing in ((corridor.operator_a, corridor.operator_b), (corridor.operator_b, corridor.operator_a)):
            gaps = _gaps(days[running], days[missing], max(settings.calendar_gap_min_days, 1))
            parts.append(gaps.assign(operator_a=corridor.operator_a, operator_b=corridor.operator_b,
                                     operator_running=running, operator_missing=missing, shared_hubs=corridor.hubs,
                                     hub_ids=[corridor.hub_ids[:SAMPLE_SIZE]] * len(gaps),
                                     station_names=[corridor.station_names[:SAMPLE_SIZE]] * len(gaps)))
    found = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if not len(found):
        return notices_frame()
    bounds = pd.DataFrame({op: [d.min() if len(d) else np.nan, d.max() if len(d) else np.nan]
                           for op, d in days.items()}, index=["start", "end"]).T
    start = found["operator_missing"].map(bounds["start"])
    end = found["operator_missing"].map(bounds["end"])
    found["gap_kind"] = np.select([start.isna(), found["last"] < start, found["first"] > end],
                                  ["no_service", "before_start", "after_end"], default="interruption")
    found["days"] = found["last"] - found["first"] + 1
    def as_date(values: pd.Series) -> np.ndarray:
        return (epoch + values.to_numpy(dtype="int64").astype("timedelta64[D]")).astype(str)

    found["first_date"], found["last_date"] = as_date(found["first"]), as_date(found["last"])
    found["missing_start"] = pd.Series(as_date(start.fillna(0)), index=found.index).where(start.notna(), None)
    found["missing_end"] = pd.Series(as_date(end.fillna(0)), index=found.index).where(end.notna(), None)
    found = found.sort_values(["operator_a", "operator_b", "first"], ignore_index=True)
    period = np.where(found["days"] == 1, "on " + found["first_date"],
                      "from " + found["first_date"] + " to " + found["last_date"])
    why = np.select([found["gap_kind"] == "before_start", found["gap_kind"] == "after_end",
                     found["gap_kind"] == "no_service"],
                    ["; its service starts on " + found["missing_start"].fillna(""),
                     "; its service ends on " + found["missing_end"].fillna(""),
                     "; it has no service dates at all"], default="")
    names = found["station_names"].map(lambda names: ", ".join(names))
    more = np.where(found["shared_hubs"] > SAMPLE_SIZE, ", ...", "")
    day_count = np.where(found["days"] == 1, "1 day", found["days"].astype(str) + " days")
    runs = np.select([found["days"] == 1, found["service_days"] == found["days"]],
                     ["", " on every one of them"], default=" on " + found["service_days"].astype(str) + " of them")
    hubs = np.where(found["shared_hubs"] == 1, "their shared hub (",
                    "their " + found["shared_hubs"].astype(str) + " shared hubs (")
    message = (found["operator_missing"] + " has no service " + period + " (" + day_count + why + ") while "
               + found["operator_running"] + " runs" + runs + ", so connections at " + hubs + names + more
               + ") break in that period.")
    context = contexts(found, ["operator_a", "operator_b", "operator_running", "operator_missing", "first_date",
                               "last_date", "days", "service_days", "gap_kind", "missing_start", "missing_end", "shared_hubs",
                               "hub_ids", "station_names"])
    return findings(CALENDAR_GAP, SEVERITY, message, context)
