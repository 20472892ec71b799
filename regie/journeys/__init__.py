"""The journeys stage: the region's multimodal journey graph (built from a regional feed, written
as Parquet files a re-user can load) and the planner over it (earliest arrival, arrive-by, Pareto
sets, range queries, isochrones). Dagster-free; the assets of group `journeys` are thin over it."""
