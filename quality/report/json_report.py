"""The machine-readable report: MobilityData's report.json shape, plus the pool's gate and score.

    {"summary": {"reportFormat", "validator", "version", "validatedAt", "validationDate",
                 "feed": {"operator", "feed", "content_hash", "path", "serviceStart", "serviceEnd"},
                 "counts": {"ERROR", "WARNING", "INFO", "total", "waived", "blocking"},
                 "verdict": "accepted" | "blocked", "blocked", "score": {"total", "components",
                 "details"} | null, "rowCounts", "expectations", "durationSeconds", ...extra},
     "notices": [{"code", "severity", "source", "totalNotices", "waivedNotices",
                  "blockingNotices", "files", "sampleNotices": [{"filename", "csvRowNumber",
                  "fieldName", "message", "waived", "waiver", ...context}]}]}
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quality.report.findings import findings, verdict
from quality.result import ValidationOutcome
from regie.gtfs.atomic import write_atomic_text
from regie.pages.encode import dumps

REPORT_FORMAT = 1
"""Bumped when a key changes meaning or disappears (adding keys does not bump it)."""


def report_dict(
    outcome: ValidationOutcome, *, extra: dict[str, Any] | None = None, samples_per_notice: int = 20
) -> dict[str, Any]:
    """The report as a dict (see the module docstring). `extra` is merged into "summary" last, so
    a caller can add keys (operator name, collection time) or pin "validatedAt"."""
    counts = outcome.counts_by_severity()
    groups = findings(outcome, samples=samples_per_notice)
    summary: dict[str, Any] = {
        "reportFormat": REPORT_FORMAT,
        "validator": outcome.engine or None,
        "version": outcome.engine_version or None,
        "validatedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "validationDate": outcome.validation_date,
        "durationSeconds": round(outcome.duration_s, 3),
        "feed": {
            "operator": outcome.operator_id,
            "feed": outcome.feed_id,
            "content_hash": outcome.content_hash,
            "path": str(outcome.feed_path),
            "serviceStart": outcome.feed_start,
            "serviceEnd": outcome.feed_end,
        },
        "counts": {
            **counts,
            "total": int(len(outcome.notices)),
            "waived": sum(group["waived_count"] for group in groups),
            "blocking": sum(group["blocking_count"] for group in groups),
        },
        "verdict": verdict(outcome),
        "blocked": outcome.blocked,
        "score": asdict(outcome.score) if outcome.score is not None else None,
        "rowCounts": dict(outcome.row_counts),
        "expectations": outcome.expectations,
    }
    summary.update(extra or {})
    notices = [
        {
            "code": group["code"],
            "severity": group["severity"],
            "source": group["source"],
            "totalNotices": group["count"],
            "waivedNotices": group["waived_count"],
            "blockingNotices": group["blocking_count"],
            "files": group["files"],
            "sampleNotices": group["samples"],
        }
        for group in groups
    ]
    return {"summary": summary, "notices": notices}


def write_report_json(outcome: ValidationOutcome, path: Path, *, extra: dict[str, Any] | None = None,
                      samples_per_notice: int = 20) -> None:
    """Write the machine-readable report to `path`: UTF-8, strict JSON (NaN becomes null), atomic."""
    text = dumps(report_dict(outcome, extra=extra, samples_per_notice=samples_per_notice), indent=2)
    write_atomic_text(Path(path), text + "\n")
