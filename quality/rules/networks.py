"""route_network_conflict (WARNING): a route given a network in routes.txt (network_id) and again
in route_networks.txt. The spec forbids route_networks.txt when routes.txt has network_id;
canonical says so once per file pair (route_networks_specified_in_more_than_one_file, ERROR, even
when the column is empty); this names each route concerned, and whether the two networks differ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quality.notices import Severity
from quality.rules._common import no_notices, notices, records
from quality.rules.context import RuleContext
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    routes, route_networks = table(feed, "routes"), table(feed, "route_networks")
    if not len(routes) or not len(route_networks) or "network_id" not in routes.columns:
        return no_notices()
    in_routes = pd.DataFrame({"route_id": column(routes, "route_id"), "routes_network_id": column(routes, "network_id")})
    in_routes = in_routes[(in_routes["route_id"] != "") & (in_routes["routes_network_id"] != "")]
    listed = pd.DataFrame({"route_id": column(route_networks, "route_id"),
                           "route_networks_network_id": column(route_networks, "network_id"),
                           "row": rows(route_networks)})
    hits = listed.merge(in_routes.drop_duplicates("route_id"), on="route_id").reset_index(drop=True)
    if hits.empty:
        return no_notices()
    differ = hits["routes_network_id"] != hits["route_networks_network_id"]
    hits["networks_differ"] = differ
    message = ("Route " + hits["route_id"] + " has network " + hits["routes_network_id"]
               + " in routes.txt and network " + hits["route_networks_network_id"] + " in route_networks.txt"
               + pd.Series(np.where(differ, ": which one applies is ambiguous.", " (the same one): keep only one."))
               + " Use either routes.network_id or route_networks.txt.")
    return notices("route_network_conflict", Severity.WARNING, file="route_networks.txt", row=hits["row"],
                   field="route_id", message=message,
                   context=records(hits, ["route_id", "routes_network_id", "route_networks_network_id",
                                          "networks_differ"]))
