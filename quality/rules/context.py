"""What every own rule receives besides the feed (`RuleContext`), and the shape of a rule family."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from quality.config import RuleThresholds
from regie.config.operators import BoundingBox
from regie.gtfs.feed_tables import FeedTables


@dataclass(frozen=True)
class RuleContext:
    """What the own rules need besides the feed: the day of validation, the region's box (None:
    no region check), the thresholds of `quality.yaml`, and when the pool last saw this
    operator's content change (None: unknown)."""

    validation_date: date
    bbox: BoundingBox | None = None
    thresholds: RuleThresholds = field(default_factory=RuleThresholds)
    last_changed: date | None = None


RuleFamily = Callable[[FeedTables, RuleContext], pd.DataFrame]
