"""duplicate_primary_key (ERROR): two records of a table with the same primary key, for the tables
whose keys the canonical set (gtfs-guru 1.0.0) does not check: shapes (shape_id,
shape_pt_sequence), route_networks (route_id), fare_rules, stop_areas (all fields), attributions
(attribution_id), fare_leg_rules and fare_transfer_rules (the spec's keys). Every record after
the first of its key is reported, naming the first one's row. A key field the table lacks counts
as empty; records whose key is entirely empty are left alone.
"""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, rows
from regie.gtfs.feed_tables import FeedTables

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "shapes": ("shape_id", "shape_pt_sequence"),
    "route_networks": ("route_id",),
    "fare_rules": ("fare_id", "route_id", "origin_id", "destination_id", "contains_id"),
    "stop_areas": ("area_id", "stop_id"),
    "attributions": ("attribution_id",),
    "fare_leg_rules": ("network_id", "from_area_id", "to_area_id", "from_timeframe_group_id",
                       "to_timeframe_group_id", "fare_product_id"),
    "fare_transfer_rules": ("from_leg_group_id", "to_leg_group_id", "fare_product_id", "transfer_count",
                            "duration_limit"),
}


def duplicates(frame: pd.DataFrame, name: str, key: tuple[str, ...]) -> pd.DataFrame:
    keys = pd.DataFrame({field: column(frame, field) for field in key})
    if name == "shapes":  # sequences are numbers: 1 and 01 are the same point (converted per distinct value)
        codes, distinct = pd.factorize(keys["shape_pt_sequence"])
        text = pd.Series(distinct)
        number = pd.to_numeric(text, errors="coerce")
        keys["shape_pt_sequence"] = number.astype(str).where(number.notna(), text).to_numpy()[codes]
    filled = (keys != "").any(axis=1)
    keys["row"] = rows(frame)
    keys = keys[filled]
    repeated = keys.duplicated(list(key), keep="first")
    if not repeated.any():
        return no_notices()
    first_rows = keys.drop_duplicates(list(key)).set_index(list(key))["row"].rename("first_row")
    hits = keys[repeated].join(first_rows, on=list(key)).reset_index(drop=True)
    for field in key:  # report the values as written
        hits[field] = column(frame, field)[keys.index[repeated.to_numpy()]].to_numpy()
    described, label = hits[key[0]].astype(str), key[0]
    if len(key) > 1:
        for field in key[1:]:
            described = described + ", " + hits[field].astype(str)
        described, label = "(" + described + ")", "(" + ", ".join(key) + ")"
    message = (f"{name}.txt has {label} " + described + " again; row " + hits["first_row"].astype(str)
               + " has the same key.")
    return notices("duplicate_primary_key", Severity.ERROR, file=f"{name}.txt", row=hits["row"], field=key[0],
                   message=message, context=records(hits, [*key, "first_row"]))


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    frames = []
    for name, key in PRIMARY_KEYS.items():
        frame = feed.get(name)
        if frame is not None and len(frame):
            frames.append(duplicates(frame, name, key))
    return combined(frames)
