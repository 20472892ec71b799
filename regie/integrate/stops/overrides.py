"""Manual stop-match overrides: `configs/stop_matches.yaml`, `force` and `deny` pairs by
namespaced stop id (`<operator>:<stop_id>`), so they persist across feed versions as long as the
operators keep their ids. A pair is unordered. Each entry is either a two-item list or a mapping
with `a`, `b` and an optional `note`:

    force:
      - [bart:MLBR, caltrain:70061]
      - {a: bart:ORIN, b: countyconnection:831366, note: "bus bay under the freeway"}
    deny:
      - [bart:WCRK, countyconnection:831950]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from regie.config.loader import ConfigError, load_model


class StopPair(BaseModel):
    """One unordered pair of namespaced stop ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    a: str
    b: str
    note: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError(f"a pair is two namespaced stop ids, got {len(value)} items: {value!r}")
            return {"a": value[0], "b": value[1]}
        return value

    @field_validator("a", "b")
    @classmethod
    def _namespaced(cls, value: str) -> str:
        value = str(value).strip()
        operator, sep, stop = value.partition(":")
        if not sep or not operator or not stop:
            raise ValueError(f"'{value}' is not a namespaced stop id: write '<operator>:<stop_id>', e.g. 'bart:MLBR'")
        return value

    @model_validator(mode="after")
    def _distinct(self) -> StopPair:
        if self.a == self.b:
            raise ValueError(f"a pair needs two different stops, got '{self.a}' twice")
        return self

    @property
    def key(self) -> tuple[str, str]:
        """The pair in canonical (sorted) order."""
        return (self.a, self.b) if self.a < self.b else (self.b, self.a)


class StopMatchOverrides(BaseModel):
    """Forced and denied pairs; a pair may not be both."""

    model_config = ConfigDict(extra="forbid")

    force: list[StopPair] = Field(default_factory=list)
    deny: list[StopPair] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_conflict(self) -> StopMatchOverrides:
        both = sorted({p.key for p in self.force} & {p.key for p in self.deny})
        if both:
            listed = ", ".join(f"{a} / {b}" for a, b in both)
            raise ValueError(f"pairs both forced and denied: {listed}; keep each pair in one list only")
        return self

    def forced(self) -> set[tuple[str, str]]:
        return {p.key for p in self.force}

    def denied(self) -> set[tuple[str, str]]:
        return {p.key for p in self.deny}


def load_stop_matches(path: Path, *, missing_ok: bool = True) -> StopMatchOverrides:
    """Parse the overrides file; a missing file is no overrides (unless `missing_ok=False`).
    Raises ConfigError naming the file, the key and what is expected."""
    if not path.is_file() and missing_ok:
        return StopMatchOverrides()
    return load_model(path, StopMatchOverrides)


__all__ = ["ConfigError", "StopMatchOverrides", "StopPair", "load_stop_matches"]
