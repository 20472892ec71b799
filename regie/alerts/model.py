"""One alert: which operator, asset and check, how severe, and why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Severity = Literal["ERROR", "WARN"]


@dataclass(frozen=True)
class Alert:
    kind: Literal["run_failure", "check_failure"]
    severity: Severity
    cause: str  # one line a person can act on
    operator_id: str | None = None  # the operator partition, when there is one
    asset: str | None = None
    check: str | None = None
    run_id: str | None = None
    raised_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def payload(self, region: str) -> dict[str, Any]:
        """The webhook's JSON body."""
        body = asdict(self)
        body["raised_at"] = self.raised_at.isoformat()
        return {"source": "regie", "region": region, **body}

    @property
    def key(self) -> str:
        """What the alert is about, to tell a repeated alert from a new one."""
        return "/".join(part or "-" for part in (self.kind, self.operator_id, self.asset, self.check))
