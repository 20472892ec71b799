"""When assets run by themselves, and within which limits.

Dagster's declarative automation, evaluated by the `follow_upstream` sensor: every asset below
collection follows its upstream.

- Per operator: a partition of `feed_validation`, `accepted_feed` and `normalised_feed` runs as
  soon as the same operator's upstream partition is updated (a collection that archived a new
  version, a `regie submit`, a run from the UI).
- Region outputs run when any operator's upstream is updated, once nothing upstream is still in
  progress, and every day at 05:00 UTC, since `as_of` moves on and versions expire. Unlike
  Dagster's `eager()`, one operator that never succeeded does not hold the region back: its
  partition is missing, and the region's outputs say why.
"""

from datetime import timedelta

from dagster import AutomationCondition, Backoff, FreshnessPolicy, RetryPolicy

PER_OPERATOR = AutomationCondition.eager()

REGION_DAILY_CRON = "0 5 * * *"

_REGION_TRIGGER: AutomationCondition = (
    AutomationCondition.any_deps_updated() | AutomationCondition.cron_tick_passed(REGION_DAILY_CRON, "UTC"))

REGION = (
    _REGION_TRIGGER.since_last_handled()
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
).with_label("region follows its operators, and daily at 05:00 UTC")

# Concurrency pools (limits in the production instance: deploy/dagster/dagster.production.yaml)
FEED_FETCH_POOL = "feed_fetch"  # collection: network-bound, many at once
REGION_MERGE_POOL = "region_merge"  # the region's integration: memory-bound, one or two at once

# When steps wait for a core, Dagster's executors start the highest `dagster/priority` first: the
# region's longest chain (the open feed's gate and the release notes → the release → its leak
# scan) first, what nothing waits for (the internal feed's gate, the integration benefit) last.
CRITICAL_PATH = {"dagster/priority": "10"}
LONGEST_FIRST = {"dagster/priority": "20"}  # of the steps the release waits for, the longest
OFF_PATH = {"dagster/priority": "-10"}

# A collection step that failed unexpectedly (its process died, the catalogue was unreachable) is
# retried; a failed fetch is not (the HTTP client already retried what is worth retrying).
COLLECTION_RETRY = RetryPolicy(max_retries=2, delay=30, backoff=Backoff.EXPONENTIAL)

# Freshness (shown in the UI when the instance enables `freshness`, as the production profile does):
# collection runs daily, so a version in force or a release not refreshed for a day and a bit is late.
DAILY_FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(hours=48), warn_window=timedelta(hours=26))
