"""The work of `regie validate`: validate a feed outside the pool, as MobilityData's command-line validator does."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from quality.config import load_quality_config
from quality.notices import Severity, notice, notices_frame
from quality.report import write_report_html, write_report_json
from quality.result import ValidationOutcome
from quality.validate import ValidationRequest, validate_feed
from regie.collect.fetch import FetchError, FetchRequest, HttpFeedClient
from regie.config import load_region
from regie.store.paths import Paths


def _local_copy(source: str, folder: Path) -> Path:
    if urlparse(source).scheme in ("http", "https"):
        target = folder / (Path(urlparse(source).path).name or "feed.zip")
        with HttpFeedClient() as client:
            client.fetch(FetchRequest(source), target)
        return target
    return Path(source)


def run_validate(source: str, *, out_dir: Path, paths: Paths, validation_date: date | None) -> tuple[int, str]:
    """Validate, write report.json and report.html into out_dir; return (exit code, report JSON)."""
    region = load_region(paths.region_file) if paths.region_file.exists() else None
    config = load_quality_config(paths.quality_file)
    day = validation_date or (region.as_of if region else date.today())
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="regie-validate-") as scratch:
        try:
            path = _local_copy(source, Path(scratch))
        except FetchError as exc:
            outcome = ValidationOutcome(Path(source), day, notices_frame([notice(
                "feed_download_failed", Severity.ERROR, "prescreen", f"{source} could not be downloaded: {exc.cause}")]))
            outcome.notices["blocking"], outcome.notices["waived"], outcome.notices["waiver"] = True, False, None
        else:
            outcome, _ = validate_feed(path, ValidationRequest(validation_date=day, config=config))
        write_report_json(outcome, out_dir / "report.json")
        write_report_html(outcome, out_dir / "report.html", history=[], settings=config.report,
                          title=f"Validation of {Path(urlparse(source).path).name or source}")
    report_json = (out_dir / "report.json").read_text(encoding="utf-8")
    if not outcome.readable:
        return 2, report_json
    return (1 if outcome.counts_by_severity()["ERROR"] else 0), report_json
