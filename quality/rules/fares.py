"""GTFS-Fares v2 checks the canonical set (gtfs-guru 1.0.0) does not make.

- reference_not_found (ERROR) for fare_leg_rules.fare_product_id, fare_transfer_rules.fare_product_id
  (and transitland's non-standard filter_fare_product_id) -> fare_products.txt;
  fare_products.rider_category_id -> rider_categories.txt; fare_products.fare_media_id ->
  fare_media.txt (or its draft name fare_containers.txt). Canonical already checks areas,
  networks, timeframes, leg groups, stop areas and route networks.
- fare_product_ambiguous_rider_category (ERROR): a fare product whose rows cover more than one
  default rider category (is_default_fare_category = 1), a row without rider_category_id
  covering every default one, so a rider without a category has two prices. Reported once per
  product, at the row where the second default category comes in. (Canonical's
  fare_product_with_multiple_default_rider_categories exists but never fires in gtfs-guru 1.0.0.)
"""

from __future__ import annotations

import pandas as pd

from quality.notices import Severity
from quality.rules._common import combined, no_notices, notices, records
from quality.rules.context import RuleContext
from quality.rules.references import ref, unresolved
from regie.gtfs.columns import column, rows, table
from regie.gtfs.feed_tables import FeedTables

FARE_REFERENCES = (
    ref("fare_leg_rules", "fare_product_id", "fare_products.fare_product_id"),
    ref("fare_transfer_rules", "fare_product_id", "fare_products.fare_product_id"),
    ref("fare_transfer_rules", "filter_fare_product_id", "fare_products.fare_product_id"),
    ref("fare_products", "rider_category_id", "rider_categories.rider_category_id"),
    ref("fare_products", "fare_media_id", "fare_media.fare_media_id", "fare_containers.fare_media_id"),
)


def ambiguous_rider_categories(feed: FeedTables) -> pd.DataFrame:
    products, categories = table(feed, "fare_products"), table(feed, "rider_categories")
    defaults = column(categories, "rider_category_id")[column(categories, "is_default_fare_category") == "1"]
    defaults = defaults[defaults != ""].drop_duplicates()
    if len(defaults) < 2 or not len(products):
        return no_notices()
    frame = pd.DataFrame({"product": column(products, "fare_product_id"),
                          "category": column(products, "rider_category_id"), "row": rows(products)})
    explicit = frame[frame["category"].isin(defaults)]
    implicit = frame[frame["category"] == ""].drop(columns="category").merge(
        defaults.rename("category").to_frame(), how="cross")
    covered = (pd.concat([explicit, implicit], ignore_index=True).sort_values(["row", "category"])
               .drop_duplicates(["product", "category"]))
    covered["nth"] = covered.groupby("product").cumcount()
    hits = covered[covered["nth"] == 1].drop_duplicates("product").reset_index(drop=True)
    if hits.empty:
        return no_notices()
    names = covered.groupby("product")["category"].agg(", ".join)
    hits["default_categories"] = hits["product"].map(names)
    message = ("Fare product " + hits["product"] + " applies to several default rider categories ("
               + hits["default_categories"] + "): a rider without a category would get more than one price.")
    return notices("fare_product_ambiguous_rider_category", Severity.ERROR, file="fare_products.txt", row=hits["row"],
                   field="rider_category_id", message=message,
                   context=records(hits, {"product": "fare_product_id", "default_categories": "default_rider_categories"}))


def check(feed: FeedTables, context: RuleContext) -> pd.DataFrame:
    return combined([unresolved(feed, FARE_REFERENCES), ambiguous_rider_categories(feed)])
