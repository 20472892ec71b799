"""Every YAML file goes through one loader: safe, C-accelerated when built, duplicate keys refused (item 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from regie.config import ConfigError
from regie.config.loader import UniqueKeyLoader, parse_yaml
from regie.config.operators import load_registry

REGISTRY = """\
operators:
  - id: acme
    name: Acme
    modes: [bus]
    contact: data@acme.example
    licence: CC0-1.0
    openness: restricted
    member_from: 2024-01-01
    feeds: [{id: main, kind: gtfs, url: "https://feeds.example/acme.zip"}]
    openness: open
"""


def test_a_second_openness_line_cannot_open_a_restricted_operator(tmp_path: Path) -> None:
    path = tmp_path / "operators.yaml"
    path.write_text(REGISTRY)
    with pytest.raises(ConfigError) as refused:
        load_registry(path, env={})
    assert str(refused.value) == (f"{path}: duplicate key 'openness' at line 10 (first at line 7); "
                                  "a key may appear only once in a mapping")


def test_duplicates_are_refused_at_any_depth_and_merge_keys_still_override() -> None:
    with pytest.raises(yaml.YAMLError, match="duplicate key 'x' at line 3 \\(first at line 2\\)"):
        parse_yaml("a:\n  x: 1\n  x: 2\n")
    merged = parse_yaml("base: &b {x: 1, y: 2}\nthis:\n  <<: *b\n  x: 3\n")
    assert merged["this"] == {"x": 3, "y": 2}


def test_the_loader_is_safe_and_uses_the_c_parser_when_built() -> None:
    with pytest.raises(yaml.YAMLError):
        parse_yaml("!!python/object/apply:os.system ['true']")
    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(UniqueKeyLoader, yaml.CSafeLoader)


def test_no_module_of_the_project_reads_yaml_another_way() -> None:
    root = Path(__file__).resolve().parents[2]
    readers = []
    for folder in ("regie", "quality", "assets", "pipelines", "bench"):
        for module in (root / folder).rglob("*.py"):
            text = module.read_text(encoding="utf-8")
            if any(call in text for call in ("yaml.safe_load", "yaml.load(", "yaml.full_load", "yaml.unsafe_load")):
                readers.append(module.relative_to(root).as_posix())
    assert readers == ["regie/config/loader.py"]
