"""Release notes: what changed since the previous release, for the region and per operator
(`regie.publish.changes`), as `release-notes.json` and `release-notes.md`.

Feed text is escaped in the Markdown (a stop named `<script>` or `[x](javascript:...)` stays text
when the notes are rendered to HTML); `render_text` gives the same notes unescaped, for a page
that shows them as text and escapes them itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from regie.gtfs.feed_tables import TableLookup
from regie.publish.changes import (
    MARKDOWN_ITEMS,
    EntityChanges,
    FeedChanges,
    date_ranges,
    diff_feeds,
    feed_operators,
    operator_feeds,
)

NOTES_JSON = "release-notes.json"
NOTES_MARKDOWN = "release-notes.md"
KINDS = (("stops", "Stops"), ("routes", "Routes"), ("trips", "Trips"))


@dataclass
class ReleaseNotes:
    release: str
    previous: str | None
    region: FeedChanges
    operators: dict[str, FeedChanges]  # by operator id, sorted
    operator_names: dict[str, str]

    @property
    def is_empty(self) -> bool:
        return self.region.is_empty

    def to_dict(self) -> dict[str, Any]:
        return {"release": self.release, "previous_release": self.previous, "region": self.region.to_dict(),
                "operators": {op: {"name": self.operator_names.get(op, op), **changes.to_dict()}
                              for op, changes in self.operators.items()}}


def release_notes(old: TableLookup | None, new: TableLookup, *, release: str, previous: str | None,
                  operator_names: dict[str, str] | None = None) -> ReleaseNotes:
    """The changes between two regional feeds (namespaced ids), for the region and for every
    operator in either feed (`old` None: the first release)."""
    before = feed_operators(old)
    operators = sorted(before | feed_operators(new))
    old_parts, new_parts = operator_feeds(old, before), operator_feeds(new, operators)
    per_operator = {op: diff_feeds(old_parts[op] if op in before else None, new_parts[op]) for op in operators}
    return ReleaseNotes(release, previous, diff_feeds(old, new), per_operator, dict(operator_names or {}))


def notes_from_dict(data: dict[str, Any]) -> ReleaseNotes:
    """`ReleaseNotes.to_dict` read back."""
    operators = {op: _changes_from_dict(entry) for op, entry in data["operators"].items()}
    return ReleaseNotes(data["release"], data["previous_release"], _changes_from_dict(data["region"]), operators,
                        {op: entry["name"] for op, entry in data["operators"].items()})


def _changes_from_dict(data: dict[str, Any]) -> FeedChanges:
    def entity(kind: str) -> EntityChanges:
        part = data[f"{kind}s"]
        return EntityChanges(kind, part["added"], part["removed"], part["changed"], part["counts"]["unchanged"],
                             part["counts"]["renumbered"])

    days = data["service_days"]
    return FeedChanges(entity("stop"), entity("route"), entity("trip"),
                       [date.fromisoformat(day) for day in days["gained"]],
                       [date.fromisoformat(day) for day in days["lost"]], first=data["first_release"])


def write_release_notes(notes: ReleaseNotes, folder: Path) -> list[Path]:
    """`release-notes.json` and `release-notes.md` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = folder / NOTES_JSON, folder / NOTES_MARKDOWN
    json_path.write_text(json.dumps(notes.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(render_markdown(notes), encoding="utf-8")
    return [json_path, markdown_path]


def render_markdown(notes: ReleaseNotes) -> str:
    """The notes as Markdown, feed text escaped (see `escape`)."""
    return _render(notes, escape)


def render_text(notes: ReleaseNotes) -> str:
    """The same notes as plain text (for a page that shows them as text, escaping them itself)."""
    return _render(notes, plain)


def _render(notes: ReleaseNotes, shown: Callable[[object], str]) -> str:
    since = f" (since {shown(notes.previous)})" if notes.previous else " (first release)"
    lines = [f"# Release notes: {shown(notes.release)}{since}", "", "## Region", ""]
    lines += _section(notes.region, shown)
    for op, changes in notes.operators.items():
        name = notes.operator_names.get(op, op)
        lines += ["", f"## {shown(name)} ({shown(op)})", ""]
        lines += _section(changes, shown)
    return "\n".join(lines).rstrip() + "\n"


def _section(changes: FeedChanges, shown: Callable[[object], str]) -> list[str]:
    if changes.first:
        counts = ", ".join(f"{len(getattr(changes, kind).added)} {kind}" for kind, _ in KINDS)
        return [f"First release: {counts}."]
    if changes.is_empty:
        return ["No change."]
    lines = [f"- {title}: {_counts(getattr(changes, kind))}" for kind, title in KINDS]
    lines.append(f"- Service days gained: {_days(changes.days_gained)}")
    lines.append(f"- Service days lost: {_days(changes.days_lost)}")
    for kind, title in KINDS:
        entity: EntityChanges = getattr(changes, kind)
        for what, items in (("added", entity.added), ("removed", entity.removed), ("changed", entity.changed)):
            if items:
                lines += ["", f"### {title} {what}", ""]
                lines += [_item(item, shown) for item in items[:MARKDOWN_ITEMS]]
                if len(items) > MARKDOWN_ITEMS:
                    lines.append(f"- ... and {len(items) - MARKDOWN_ITEMS} more (see {NOTES_JSON})")
    return lines


def _counts(entity: EntityChanges) -> str:
    text = f"{len(entity.added)} added, {len(entity.removed)} removed, {len(entity.changed)} changed"
    if entity.renumbered:
        text += f" ({entity.renumbered} renumbered with the same content: not a change)"
    return text


def _days(days: list) -> str:
    if not days:
        return "none"
    ranges = [f"{a.isoformat()}" if a == b else f"{a.isoformat()} to {b.isoformat()}" for a, b in date_ranges(days)]
    shown = ", ".join(ranges[:10]) + (f", ... ({len(ranges) - 10} more ranges)" if len(ranges) > 10 else "")
    return f"{len(days)} ({shown})"


def _item(item: dict[str, Any], shown: Callable[[object], str]) -> str:
    text = f"- {shown(item['id'])} {shown(item['label'])}"
    if item.get("old_id") and item["old_id"] != item["id"]:
        text += f" (was {shown(item['old_id'])})"
    if item.get("fields"):
        text += ": " + "; ".join(f"{shown(name)} {shown(old) or '(empty)'} -> {shown(new) or '(empty)'}"
                                 for name, (old, new) in item["fields"].items())
    return text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&#|!~])")


def escape(value: object) -> str:
    """Text for Markdown, line breaks as spaces: the characters that could make emphasis, a
    link, an HTML tag or an entity backslash-escaped (CommonMark renders them as themselves)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def plain(value: object) -> str:
    return " ".join(str(value).split())
