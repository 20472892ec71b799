"""Large YAML documents (registries of thousands of operators) are parsed once per content."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from regie.config.loader import ConfigError, parse_yaml, read_yaml
from regie.config.yaml_cache import MIN_CACHED_BYTES, parse_cached


def _registry(count: int) -> str:
    return "operators:\n" + "".join(
        f"  - id: op{i}\n    member_from: 2024-01-{1 + i % 28:02d}\n    ridership: {{boardings: {i}, estimated: true}}\n"
        for i in range(count))


def test_a_large_document_is_parsed_once_and_read_back_equal(tmp_path: Path):
    text = _registry(6000)
    assert len(text) >= MIN_CACHED_BYTES
    calls = []

    def counting(source: str):
        calls.append(1)
        return parse_yaml(source)

    first = parse_cached(text, counting, folder=tmp_path)
    again = parse_cached(text, counting, folder=tmp_path)
    assert again == first and len(calls) == 1
    assert again["operators"][5]["member_from"] == date(2024, 1, 6)  # dates stay dates
    assert again["operators"][5]["ridership"] == {"boardings": 5, "estimated": True}

    parse_cached(text.replace("op5\n", "op5b\n"), counting, folder=tmp_path)  # an edited file is parsed again
    assert len(calls) == 2


def test_a_corrupt_entry_is_ignored(tmp_path: Path):
    text = _registry(6000)
    parse_cached(text, parse_yaml, folder=tmp_path)
    for entry in tmp_path.iterdir():
        entry.write_text("{not json")
    assert parse_cached(text, parse_yaml, folder=tmp_path) == parse_yaml(text)


def test_duplicate_keys_are_refused_in_large_files_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("REGIE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "operators.yaml"
    path.write_text(_registry(6000) + "  - id: last\n    openness: open\n    openness: restricted\n")
    with pytest.raises(ConfigError, match="duplicate key 'openness'"):
        read_yaml(path)
    assert not any((tmp_path / "cache").rglob("*.json"))  # nothing cached for a refused document
