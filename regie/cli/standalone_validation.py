"""The work of `regie validate`: validate a feed outside the pool, as MobilityData's command-line validator does.

Without a region, only what is not region-specific is checked: the canonical rules and the pool's
own rules with the default `quality.yaml`, no bounding box, no Great Expectations suites (not even
imported: about 4 s of every call). With a region (`--region DIR`, or `--config-dir` /
REGIE_CONFIG_DIR), exactly the pool's checks for that region: its `quality.yaml`, bounding box,
expectations and `as_of`.

The canonical engine starts first (`quality.early_engine`), before pandas, the rules and the
reports load: those imports then run while it works.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from quality.config import QualityConfig, load_quality_config
from quality.early_engine import start_early
from quality.engine import CanonicalEngine
from quality.notices import Severity, notice, notices_frame
from regie.config import load_region
from regie.config.region import Region

if TYPE_CHECKING:
    from quality.result import ValidationOutcome
    from quality.validate import ValidationRequest

TOP_FINDINGS = 5


@dataclass
class StandaloneValidation:
    """What `regie validate` prints: the exit code, the report (as report.json has it) and where it is."""

    code: int
    report: dict[str, Any]
    report_html: Path
    report_json: Path
    region: str | None


def _download_failure(source: str, day: date, cause: str) -> ValidationOutcome:
    from quality.result import ValidationOutcome  # lazy: see the module docstring

    outcome = ValidationOutcome(Path(source), day, notices_frame([notice(
        "feed_download_failed", Severity.ERROR, "prescreen", f"{source} could not be downloaded: {cause}")]))
    outcome.notices["blocking"], outcome.notices["waived"], outcome.notices["waiver"] = True, False, None
    return outcome


def _local_feed(source: str, scratch: Path, region: Region | None) -> Path | str:
    """The feed's path: `source` itself, or a URL downloaded into `scratch` (else the cause, in
    words) by the pool's client: the region's collection settings and address policy, or the
    defaults without a region (no loopback, private or link-local address)."""
    if urlparse(source).scheme not in ("http", "https"):
        return Path(source)
    # lazy: the HTTP client (requests) loads only for a URL
    from regie.collect.fetch import FetchError, FetchRequest, http_client
    from regie.config.region import CollectionSettings

    target = scratch / (Path(urlparse(source).path).name or "feed.zip")
    try:
        with http_client(region.collection if region else CollectionSettings()) as client:
            client.fetch(FetchRequest(source), target)
    except FetchError as exc:
        return exc.cause
    return target


def _validate(path: Path, request: ValidationRequest, engine: CanonicalEngine | None) -> ValidationOutcome:
    from quality.validate import validate_feed  # lazy: loads while the early engine works

    return validate_feed(path, request, engine=engine)[0]


def run_validate(source: str, *, out_dir: Path, region_dir: Path | None,
                 validation_date: date | None) -> StandaloneValidation:
    """Validate, write report.json and report.html into out_dir. `region_dir`: the region whose
    checks apply (None: only what is not region-specific). Raises ConfigError on a bad
    region.yaml or quality.yaml."""
    region: Region | None = None
    config = QualityConfig()
    if region_dir is not None:
        region = load_region(region_dir / "region.yaml")
        config = load_quality_config(region_dir / "quality.yaml")
    day = validation_date or (region.as_of if region else date.today())
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="regie-validate-") as scratch:
        path = _local_feed(source, Path(scratch), region)
        engine = start_early(path, day, config) if isinstance(path, Path) else None
        # lazy: pandas, the rules and the reports load while the engine works
        from quality.report import write_report_html, write_report_json
        from quality.validate import ValidationRequest

        request = ValidationRequest(validation_date=day, config=config, bbox=region.bbox if region else None,
                                    expectations=region is not None)
        outcome = (_validate(path, request, engine) if isinstance(path, Path)
                   else _download_failure(source, day, path))
        extra = {"region": region.name if region else None}
        write_report_json(outcome, out_dir / "report.json", extra=extra)
        write_report_html(outcome, out_dir / "report.html", history=[], settings=config.report,
                          title=f"Validation of {Path(urlparse(source).path).name or source}")
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))  # as written: no second pass
    code = 2 if not outcome.readable else (1 if outcome.counts_by_severity()["ERROR"] else 0)
    return StandaloneValidation(code, report, out_dir / "report.html", out_dir / "report.json",
                                region.name if region else None)


def summary_lines(result: StandaloneValidation, top: int = TOP_FINDINGS) -> list[str]:
    """The verdict, counts by severity, the top findings and where the reports are, in words."""
    summary = result.report["summary"]
    counts = summary["counts"]
    if result.code == 2:
        verdict = "Unreadable: no table of the feed could be read"
    elif summary["blocked"]:
        verdict = f"Blocked: {counts['blocking']} blocking finding{'s' if counts['blocking'] != 1 else ''}"
    elif counts["ERROR"]:
        verdict = f"Accepted: every ERROR is waived ({counts['waived']} waived)"
    else:
        verdict = "Accepted: no blocking finding"
    checks = (f"the checks of region '{result.region}'" if result.region
              else "checks that are not region-specific (add --region DIR for a region's checks)")
    lines = [verdict, f"  {counts['ERROR']} errors, {counts['WARNING']} warnings, {counts['INFO']} infos; {checks}"]
    notices = result.report["notices"]
    if notices:
        lines.append("Top findings:")
        width = max(len(n["code"]) for n in notices[:top])
        for item in notices[:top]:
            sample = item["sampleNotices"][0]["message"] if item["sampleNotices"] else ""
            first = sample if len(sample) <= 100 else sample[:99] + "…"
            lines.append(f"  {item['severity']:<7} {item['code']:<{width}} ×{item['totalNotices']:<5} {first}")
        if len(notices) > top:
            lines.append(f"  … and {len(notices) - top} more kinds of finding in the report")
    lines.append(f"Report: {result.report_html.resolve()} (and report.json beside it)")
    return lines
