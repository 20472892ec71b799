"""The fees stage: each operator's annual integration fee from its accepted feed's network figures
(`metrics/`) and declared ridership, by the brackets of `tiers.yaml` (`tiers/`), with everything needed
to check and reproduce it; `run` is the stage over the pool, `statements` writes the pages.

    compute.compute_fee(operator=..., metrics=..., kind="timetable", tiers=..., fee_year=2026,
                        feed_version=..., tiers_hash=...)      -> FeeStatement | FeeError
    region.region_fees(results, tiers)                          -> RegionSummary
    region.what_if(current_results, alternative_results)        -> [{operator_id, before_cents, ...,
                                                                    bracket_changes}]
    region.what_if_summary(before_summary, after_summary, rows) -> {total_cents, budget_cents, coverage, ...}

`results` holds the statement and error models, `compute` how one operator's fee is computed (its
docstring gives the rules), `region` the region's total against the budget and the what-if.
"""
