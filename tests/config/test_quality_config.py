"""quality.yaml (item 9): negative weights and penalties refused, naming file and key; waivers
that can never apply (unknown operator or code) reported."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from quality.codes import PIPELINE_CODES, is_known_code
from quality.config import load_quality_config, waiver_warnings
from regie.config import ConfigError
from regie.pool import Pool
from regie.store.paths import resolve_paths

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("text", "key"), [
    ("scoring:\n  compliance_penalty_per_thousand: {ERROR: -25, WARNING: 2, INFO: 0}\n",
     "scoring.compliance_penalty_per_thousand"),
    ("scoring: {compliance: 1.2, freshness: -0.2, availability: 0, completeness: 0}\n", "scoring.freshness"),
])
def test_negative_weights_and_penalties_are_refused(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_quality_config(path)
    assert f"{path}: key '{key}'" in str(refused.value)


WAIVERS = """\
waivers:
  ghost:
    - {code: feed_expired, reason: moved on, granted_by: authority, expires: 2030-01-01}
  acme:
    - {code: stop_too_far_from_parent_station, reason: known, granted_by: authority, expires: 2030-01-01}
    - {code: stop_to_far_from_parent, reason: typo, granted_by: authority, expires: 2030-01-01}
    - {code: missing_required_field, reason: canonical, granted_by: authority, expires: 2030-01-01}
"""


def test_waivers_for_unknown_operators_or_codes_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "quality.yaml"
    path.write_text(WAIVERS)
    warnings = waiver_warnings(load_quality_config(path), path, {"acme"}, is_known_code)
    assert warnings == [
        f"{path}: key 'waivers.ghost': no operator 'ghost' in the registry; its waivers are ignored",
        f"{path}: key 'waivers.acme[1].code': no check reports 'stop_to_far_from_parent'; this waiver never applies",
    ]


def test_the_pool_logs_them_when_it_builds_the_gate(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    for name in ("region.yaml", "operators.yaml"):
        (configs / name).write_text((PROJECT / "configs" / name).read_text(encoding="utf-8"), encoding="utf-8")
    (configs / "quality.yaml").write_text(WAIVERS.replace("acme", "mugabus"))
    paths = resolve_paths({"REGIE_CONFIG_DIR": str(configs), "REGIE_DATA_DIR": str(tmp_path / "data")})
    with caplog.at_level(logging.WARNING), Pool.open(paths) as pool:
        pool.gatekeeper  # noqa: B018 - building it is what reports
    assert any("no operator 'ghost'" in message for message in caplog.messages)
    assert any("'stop_to_far_from_parent'" in message for message in caplog.messages)


def test_every_code_written_in_the_checks_is_known() -> None:
    written = set()
    for module in (PROJECT / "quality").rglob("*.py"):
        written |= set(re.findall(r"\"([a-z][a-z0-9_]+)\", Severity\.", module.read_text(encoding="utf-8")))
    assert written and all(is_known_code(code) for code in written), sorted(c for c in written if not is_known_code(c))
    assert "feed_download_failed" in PIPELINE_CODES and not is_known_code("stop_to_far_from_parent")
