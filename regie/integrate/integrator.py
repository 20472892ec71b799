"""Integrate the region: normalise every operator's accepted feeds, match stops across operators,
generate walking transfers, run the pool-level checks and merge two regional feeds (Dagster-free).

- `internal`: every operator, for the journey planner and the authorities;
- `open`: only operators whose openness is `open`, for publication. Its hubs are rebuilt from the
  open operators' matches alone and its transfers keep only open stops, so nothing of a
  restricted operator (stop, station, name) reaches it.

`integrate_region` takes each operator's feeds as tables in memory or as zip paths, and goes
one operator at a time: read, normalise, keep what the region step needs (its stops and its
tables compacted: `prepare_for_region`), let go of the rest. A region of many large operators
then never holds more than one operator's feeds as text.
`write_integration` writes everything under one folder (layout in its docstring);
`region_integration` reads the versions in force from the catalogue and archive.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from regie.config.operators import Operator
from regie.config.region import Region
from regie.gtfs.compact import compact_tables
from regie.gtfs.feed_tables import FeedTables, read_feed_tables
from regie.gtfs.zip_writer import deflate_in_background
from regie.integrate.checks import PoolCheckSettings, pool_checks
from regie.integrate.merge.regional import FeedInfo, RegionalFeed, merge_feeds, operator_parts
from regie.integrate.normalise import NormalisedFeed, TimezoneError, normalise_operator
from regie.integrate.stops.frame import combined_stops, operator_stops
from regie.integrate.stops.matching import MatchResult, match_stops, restrict_match
from regie.integrate.stops.overrides import StopMatchOverrides
from regie.integrate.stops.transfers import walking_transfers

FEED_NAMES = ("internal", "open")


class PublisherMissing(ValueError):
    """The region has no publisher URL, which a regional feed's feed_info.txt requires."""


@dataclass(frozen=True)
class OperatorFeeds:
    """An operator's accepted versions, one per GTFS feed it publishes (registry order): their
    tables, or the paths of their zips (read when the operator's turn comes), with their content
    hashes. `feed_ids` names the feeds given when some have no accepted version."""

    operator: Operator
    feeds: Sequence[FeedTables | Path]
    versions: Sequence[str] = ()
    feed_ids: Sequence[str] = ()

    def tables(self) -> list[FeedTables]:
        return [feed if isinstance(feed, FeedTables) else read_feed_tables(Path(feed)) for feed in self.feeds]

    def normalisable(self) -> Operator:
        """The operator limited to the GTFS feeds given here."""
        static = [feed for feed in self.operator.feeds if feed.kind.is_static]
        if self.feed_ids:
            static = [feed for feed in static if feed.id in set(self.feed_ids)]
        if len(static) != len(self.feeds):
            raise ValueError(f"operator {self.operator.id!r}: {len(self.feeds)} feed versions given for "
                             f"{len(static)} GTFS feeds ({', '.join(f.id for f in static)})")
        return self.operator.model_copy(update={"feeds": static})


@dataclass
class Integration:
    """What `integrate_region` produced. `transfers`: every generated walking transfer, with how
    it was computed (internal feed's operators); `refused`: operator id -> why it is left out."""

    normalised: dict[str, NormalisedFeed]
    stops: pd.DataFrame
    match: MatchResult
    transfers: pd.DataFrame
    pool_findings: pd.DataFrame
    feeds: dict[str, RegionalFeed]
    open_match: MatchResult
    open_transfers: pd.DataFrame
    operators: pd.DataFrame
    version: str
    refused: dict[str, str] = field(default_factory=dict)


def feed_info_for(region: Region, version: str) -> FeedInfo:
    publisher = region.integration.publisher
    if publisher.url is None:
        raise PublisherMissing("region.yaml: integration.publisher.url is required to publish regional feeds "
                               "(feed_info.txt needs feed_publisher_url), e.g. https://data.example.org")
    languages = [lang.lower() for lang in region.languages]
    return FeedInfo(publisher_name=publisher.name or region.name, publisher_url=str(publisher.url),
                    lang=languages[0] if len(languages) == 1 else "mul",
                    default_lang=languages[0] if len(languages) > 1 else "", version=version,
                    contact_email=publisher.contact_email,
                    contact_url=str(publisher.contact_url) if publisher.contact_url else "")


def combined_version(region: Region, versions: dict[str, list[str]]) -> str:
    """`<as_of>-<12 hex>`: the date and a hash of every input version, by operator (same inputs,
    same version)."""
    digest = hashlib.sha256("\n".join(sorted(f"{op}:{v}" for op, vs in versions.items() for v in vs)).encode())
    return f"{region.as_of.isoformat()}-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class RegionInput:
    """What the region step needs of one normalised operator: the feed (large tables compacted)
    and its stops in the combined-frame shape."""

    feed: NormalisedFeed
    stops: pd.DataFrame


def prepare_for_region(feed: NormalisedFeed) -> RegionInput:
    """The large tables compacted, then the stops worked out on their codes."""
    feed = dataclasses.replace(feed, tables=compact_tables(feed.tables))
    return RegionInput(feed, operator_stops(feed.operator_id, feed, namespace=False))


def normalise_all(inputs: Sequence[OperatorFeeds], region: Region, *,
                  then: Callable[[NormalisedFeed], Any] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Normalised feed per operator, one operator after the other; operators refused by the time
    zone policy or without a version are listed instead. `then` is applied to each feed at once
    (e.g. `prepare_for_region`) and only its result kept."""
    normalised, refused = {}, {}
    for item in inputs:
        try:
            feed = normalise_input(item, region)
        except TimezoneError as exc:
            refused[item.operator.id] = str(exc)
            continue
        if feed is None:
            refused[item.operator.id] = "no accepted GTFS version"
        else:
            normalised[item.operator.id] = then(feed) if then is not None else feed
        del feed  # with `then`, the text tables go now
    return normalised, refused


def normalise_input(item: OperatorFeeds, region: Region) -> NormalisedFeed | None:
    """The operator's normalised feed (None without a version); raises TimezoneError."""
    if not item.feeds:
        return None
    return normalise_operator(item.normalisable(), item.tables(), region_timezone=region.timezone,
                              timezone_policy=region.integration.timezone_policy)


def _operators_table(operators: Sequence[Operator], versions: dict[str, list[str]],
                     normalised: dict[str, NormalisedFeed], refused: dict[str, str]) -> pd.DataFrame:
    def left_out(op: Operator) -> str:
        if op.id in normalised:
            return ""
        if not any(feed.kind.is_static for feed in op.feeds):
            return "publishes no GTFS feed"
        return refused.get(op.id, "no accepted GTFS version")

    rows = [{"operator_id": op.id, "name": op.name, "licence": op.licence, "openness": op.openness,
             "versions": " ".join(versions.get(op.id, [])), "in_internal": op.id in normalised,
             "in_open": op.id in normalised and op.openness == "open", "left_out": left_out(op)}
            for op in operators]
    return pd.DataFrame(rows, columns=["operator_id", "name", "licence", "openness", "versions", "in_internal",
                                       "in_open", "left_out"])


def integrate_region(inputs: Sequence[OperatorFeeds], region: Region, *,
                     overrides: StopMatchOverrides | None = None, version: str | None = None,
                     write_ahead: Collection[str] = ()) -> Integration:
    """Normalise every operator, one at a time (`prepare_for_region`), then `integrate_normalised`."""
    feed_info_for(region, "")  # a missing publisher fails before any work
    prepared, refused = normalise_all(inputs, region, then=prepare_for_region)
    versions = {item.operator.id: list(item.versions) for item in inputs}
    return integrate_normalised(prepared, [item.operator for item in inputs], region, overrides=overrides,
                                version=version or combined_version(region, versions), refused=refused,
                                versions=versions, write_ahead=write_ahead)


def integrate_normalised(prepared: Mapping[str, NormalisedFeed | RegionInput], operators: Sequence[Operator],
                         region: Region, *, version: str, overrides: StopMatchOverrides | None = None,
                         refused: dict[str, str] | None = None,
                         versions: dict[str, list[str]] | None = None,
                         write_ahead: Collection[str] = ()) -> Integration:
    """Match, transfer, check and merge normalised operator feeds (module docstring), `prepared`
    as feeds or as `prepare_for_region` inputs. `operators`: the registry's operators (their
    openness decides the open feed). `write_ahead`: the feeds (of FEED_NAMES) whose zip will be
    written: the members that do not depend on the stop matching are rendered and deflated on
    a background thread while the stops are matched and checked (`RegionalFeed.deflated`)."""
    settings, refused = region.integration, dict(refused or {})
    unknown = set(write_ahead) - set(FEED_NAMES)
    if unknown:
        raise ValueError(f"write_ahead: {', '.join(sorted(unknown))} is not a regional feed ({', '.join(FEED_NAMES)})")
    info = feed_info_for(region, version)
    inputs = {op: item if isinstance(item, RegionInput) else prepare_for_region(item)
              for op, item in prepared.items()}
    normalised = {op: item.feed for op, item in inputs.items()}
    stops = (pd.concat([item.stops for item in inputs.values()], ignore_index=True) if inputs
             else combined_stops({}, namespace=False))
    open_ids = [op.id for op in operators if op.openness == "open" and op.id in normalised]
    parts = {"internal": operator_parts(normalised), "open": operator_parts({op: normalised[op] for op in open_ids})}
    ahead = {name: deflate_in_background(parts[name].settled()) for name in write_ahead}
    matching = settings.stop_matching
    match = match_stops(stops, overrides, max_distance_m=matching.max_distance_m, min_score=matching.min_score,
                        review_margin=matching.review_margin)
    walk = settings.transfers
    transfers = walking_transfers(stops, match.matches, max_walk_m=walk.max_walk_m, detour_factor=walk.detour_factor,
                                  walk_speed_mps=walk.walk_speed_mps, min_transfer_s=walk.mode_pair_minimums(),
                                  default_min_transfer_s=walk.default_min_transfer_s)
    findings = pool_checks(normalised, match, stops, PoolCheckSettings(**settings.pool_checks.model_dump()))
    open_match = restrict_match(stops, match, open_ids)
    open_stops = set(stops.loc[stops["operator_id"].isin(open_ids), "stop_id"])
    open_transfers = transfers[transfers["from_stop_id"].isin(open_stops)
                               & transfers["to_stop_id"].isin(open_stops)].reset_index(drop=True)
    feeds = {
        "internal": merge_feeds("internal", normalised, match, transfers, info, parts=parts["internal"]),
        "open": merge_feeds("open", {op: normalised[op] for op in open_ids}, open_match, open_transfers, info,
                            parts=parts["open"]),
    }
    for name, deflated in ahead.items():
        feeds[name].deflated = deflated
    return Integration(normalised=normalised, stops=stops, match=match, transfers=transfers, pool_findings=findings,
                       feeds=feeds, open_match=open_match, open_transfers=open_transfers,
                       operators=_operators_table(operators, versions or {}, normalised, refused), version=version,
                       refused=refused)


__all__ = ["FEED_NAMES", "Integration", "OperatorFeeds", "PublisherMissing", "RegionInput", "combined_version",
           "feed_info_for", "integrate_normalised", "integrate_region", "normalise_all", "normalise_input",
           "prepare_for_region"]
