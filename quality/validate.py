"""Validate one feed: pre-screen, then the canonical engine (child process) alongside our own
rules and the region's expectations, then the gate and the score."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from quality.canonical import ENGINE_NAME
from quality.config import QualityConfig
from quality.engine import CanonicalEngine, GtfsGuruEngine
from quality.gate import WaiverUse, apply_gate
from quality.notices import Severity, Source, concat_notices, notice, notices_frame
from quality.prescreen import prescreen
from quality.result import ValidationOutcome
from quality.rules.context import RuleContext
from quality.rules.registry import run_own_rules
from quality.score import Completeness, compute_score
from regie.config.operators import BoundingBox
from regie.gtfs.calendar import service_span
from regie.gtfs.feed_tables import FeedTables, lean_memory_pool, read_feed_tables


@dataclass(frozen=True)
class ValidationRequest:
    """Everything a validation depends on besides the file."""

    validation_date: date
    config: QualityConfig = field(default_factory=QualityConfig)
    bbox: BoundingBox | None = None
    operator_id: str | None = None
    feed_id: str | None = None
    content_hash: str | None = None
    last_changed: date | None = None
    fetch_outcomes: tuple[bool, ...] = ()
    expectations: bool = True
    """Run the region's Great Expectations suites (the pool always does; `regie validate` only with
    a region, so that a feed alone is checked without importing Great Expectations)."""

    def config_hash(self, engine_version: str) -> str:
        """Identifies the rules in force: same hash, same verdict on the same content and date."""
        parts = [self.config.model_dump_json(), self.bbox.model_dump_json() if self.bbox else "", engine_version]
        if not self.expectations:
            parts.append("no expectations")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def reader_notices(feed: FeedTables) -> pd.DataFrame:
    """What our own reader had to do to read the tables (the canonical rules say why it is wrong)."""
    records = []
    for problem in feed.problems:
        code = {"encoding": "file_not_utf8", "ragged_rows": "rows_with_wrong_field_count"}.get(problem.kind, "file_unreadable")
        severity = Severity.ERROR if code == "file_unreadable" else Severity.WARNING
        first_row = problem.rows[0] if problem.rows else None
        records.append(notice(code, severity, Source.REGIE, f"{problem.file}: {problem.detail}",
                              file=problem.file, row=first_row, rows=problem.rows[:50]))
    return notices_frame(records)


def stops_for_map(feed: FeedTables | None) -> pd.DataFrame | None:
    stops = None if feed is None else feed.get("stops")
    if stops is None or not {"stop_id", "stop_lat", "stop_lon"} <= set(stops.columns):
        return None
    frame = pd.DataFrame({
        "stop_id": stops["stop_id"],
        "stop_name": stops.get("stop_name", ""),
        "stop_lat": pd.to_numeric(stops["stop_lat"], errors="coerce"),
        "stop_lon": pd.to_numeric(stops["stop_lon"], errors="coerce"),
        "location_type": stops.get("location_type", ""),
        "row": stops["_row"],
    })
    return frame


def validate_feed(
    path: Path, request: ValidationRequest, *, engine: CanonicalEngine | None = None
) -> tuple[ValidationOutcome, list[WaiverUse]]:
    """Validate the feed at `path` (a zip or a folder). Never raises on bad input: every problem
    is a finding. Returns the outcome (notices gated, score) and how each waiver was used."""
    with lean_memory_pool():
        return _validate_feed(path, request, engine)


def _validate_feed(
    path: Path, request: ValidationRequest, engine: CanonicalEngine | None
) -> tuple[ValidationOutcome, list[WaiverUse]]:
    started = time.perf_counter()
    config = request.config
    engine = engine or GtfsGuruEngine(config.engine)
    screen = prescreen(path, config.prescreen)
    frames = [screen.notices]
    feed: FeedTables | None = None
    expectations: dict = {}
    job = None
    if screen.safe:
        job = engine.start(path, request.validation_date)
        try:
            feed = read_feed_tables(path)
        except Exception as exc:  # the pre-screen passed, yet the zip cannot be read: report, go on
            frames.append(notices_frame([notice("feed_unreadable", Severity.ERROR, Source.REGIE,
                                                f"{path.name} could not be read: {exc}", file=path.name)]))
        if feed is not None:
            frames.append(reader_notices(feed))
            context = RuleContext(validation_date=request.validation_date, bbox=request.bbox,
                                  thresholds=config.thresholds, last_changed=request.last_changed)
            # sequential on purpose: on a thread beside our rules the suites saved no measurable
            # time on HART (the GIL) and raised the peak memory by ~15-20 MiB
            frames.append(run_own_rules(feed, context))
            if request.expectations:
                # lazy: Great Expectations (~4 s to import) loads only when the region's suites are asked for
                from quality.expectations.run import run_expectations

                gx = run_expectations(feed, bbox=request.bbox, thresholds=config.thresholds)
                frames.append(gx.notices)
                expectations = gx.summary
    # what the feed alone tells, worked out while the engine may still run
    row_counts = feed.row_counts() if feed is not None else {}
    feed_start, feed_end = service_span(feed) if feed is not None else (None, None)
    completeness = Completeness.from_feed(feed) if feed is not None else None
    stops = stops_for_map(feed)
    engine_version = engine.version()
    if job is not None:
        frames.append(job.result())
    notices = concat_notices(frames)
    waivers = config.waivers_for(request.operator_id) if request.operator_id else []
    gated, uses = apply_gate(notices, config.blocking, waivers, request.validation_date)
    score = None
    if completeness is not None:
        score = compute_score(
            notices=gated, row_counts=row_counts, frame=config.scoring, validation_date=request.validation_date,
            feed_end=feed_end, last_changed=request.last_changed, fetch_outcomes=list(request.fetch_outcomes),
            completeness=completeness,
        )
    outcome = ValidationOutcome(
        feed_path=path, validation_date=request.validation_date, notices=gated, row_counts=row_counts,
        stops=stops, score=score, expectations=expectations, engine=engine.name,
        engine_version=engine_version, duration_s=round(time.perf_counter() - started, 3),
        engine_peak_rss_mib=job.peak_rss_mib if job is not None else None,
        operator_id=request.operator_id, feed_id=request.feed_id, content_hash=request.content_hash,
        feed_start=feed_start, feed_end=feed_end,
    )
    return outcome, uses


__all__ = ["ENGINE_NAME", "ValidationRequest", "validate_feed"]
