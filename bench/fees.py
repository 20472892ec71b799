"""A fee year's network metrics of HART against a pyarrow read of its tables and gtfs-kit's trip stats.

P: best of 3 warm, in-process `pyarrow.csv` reads of every `.txt` of HART.
Ours: best of 3 of read_feed_tables + network_metrics for the whole fee year (imports excluded);
also network_metrics alone on tables already read.
gtfs-kit 13: `compute_trip_stats` once on HART restricted to the trips of one day (2020-11-16),
and once on every trip of the feed (reading and restricting the feed are not timed), in the feed's
own shape_dist_traveled unit as we infer it. The day's trips, hours and distance of both are printed.
"""

from __future__ import annotations

import time
import warnings
from datetime import date

from bench.common import best_of, feeds_dir, read_all_tables

DAY = date(2020, 11, 16)
FEE_YEAR = 2021  # HART runs 2020-11-15..2021-04-24: 114 days of 2021, 47 of 2020


def run() -> dict:
    import gtfs_kit

    from regie.fees.metrics.network import daily_figures, network_metrics
    from regie.gtfs.feed_tables import read_feed_tables

    feed = feeds_dir() / "large" / "hart_2020-11-15.zip"
    pyarrow_s = best_of(3, lambda: read_all_tables(feed))
    state: dict = {}

    def metrics() -> None:
        state["metrics"] = network_metrics(read_feed_tables(feed), fee_year=FEE_YEAR)

    metrics_s = best_of(3, metrics)
    result = state["metrics"]
    tables = read_feed_tables(feed)
    metrics_only_s = best_of(3, lambda: network_metrics(tables, fee_year=FEE_YEAR))
    ours_day = daily_figures(tables, DAY, DAY).iloc[0]

    unit = result.vehicle_km_method.partition(":")[2] or "km"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kit_feed = gtfs_kit.read_feed(feed, dist_units=unit)
        active = gtfs_kit.trips.get_active_services(kit_feed, DAY.strftime("%Y%m%d"))
        day_feed = gtfs_kit.restrict_to_trips(
            kit_feed, kit_feed.trips.loc[kit_feed.trips["service_id"].isin(active), "trip_id"].tolist())
        started = time.perf_counter()
        stats = gtfs_kit.compute_trip_stats(day_feed)
        kit_s = time.perf_counter() - started
        started = time.perf_counter()
        gtfs_kit.compute_trip_stats(kit_feed)
        kit_all_s = time.perf_counter() - started
    kit_km = float(stats["distance"].sum()) * (1.0 if unit in ("km", "m") else 1.609344)  # km or mi

    measured = result.measured
    print(f"HART, fee year {FEE_YEAR}: covered {result.covered_days} days (x {result.scale_factor}); "
          f"measured {measured['trips']:,} trips, {measured['service_hours']:,.0f} h, "
          f"{measured['vehicle_km']:,.0f} km; "
          f"annual {result.trips:,} trips, {result.service_hours:,.0f} h, {result.vehicle_km:,.0f} km; "
          f"{result.stops_served} stops, {result.routes} routes, peak >= {result.peak_vehicles}; "
          f"{result.vehicle_km_method} (ratio {result.unit_ratio})")
    print(f"{DAY}: ours {ours_day['trips']:.0f} trips, {ours_day['service_hours']:.1f} h, "
          f"{ours_day['vehicle_km']:.1f} km; "
          f"gtfs-kit {len(stats)} trips, {stats['duration'].sum():.1f} h, {kit_km:.1f} km")
    print(f"pyarrow read of every table (P):           {pyarrow_s:.3f} s")
    print(f"read_feed_tables + yearly network metrics: {metrics_s:.3f} s  ({metrics_s / pyarrow_s:.1f} x P)")
    print(f"  of which network_metrics alone:          {metrics_only_s:.3f} s")
    print(f"gtfs-kit compute_trip_stats, one day:      {kit_s:.3f} s  ({kit_s / metrics_s:.1f} x slower than ours)")
    print(f"gtfs-kit compute_trip_stats, every trip:   {kit_all_s:.3f} s  ({kit_all_s / metrics_s:.1f} x)")
    return {
        "pyarrow_read_s": round(pyarrow_s, 4),
        "metrics_s": round(metrics_s, 4),
        "metrics_only_s": round(metrics_only_s, 4),
        "gtfs_kit_trip_stats_s": round(kit_s, 3),
        "gtfs_kit_trip_stats_all_trips_s": round(kit_all_s, 3),
        "ratio_to_pyarrow": round(metrics_s / pyarrow_s, 2),
        "ratio_to_gtfs_kit": round(metrics_s / kit_s, 4),
        "speedup_vs_gtfs_kit": round(kit_s / metrics_s, 1),
        "fee_year": FEE_YEAR,
        "metrics": result.to_dict(),
        "day": DAY.isoformat(),
        "day_ours": {"trips": int(ours_day["trips"]), "service_hours": round(float(ours_day["service_hours"]), 2),
                     "vehicle_km": round(float(ours_day["vehicle_km"]), 2)},
        "day_gtfs_kit": {"trips": len(stats), "service_hours": round(float(stats["duration"].sum()), 2),
                         "vehicle_km": round(kit_km, 2)},
    }
