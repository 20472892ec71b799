"""The regional feed's licence rule (regie.publish.licences) and the attribution file."""

from __future__ import annotations

import pytest

from regie.config import load_registry
from regie.config.loader import ConfigError
from regie.config.region import LicenceTerms, load_region
from regie.publish.licences import (
    LicenceError,
    OperatorLicence,
    attribution_text,
    describe,
    regional_licence,
)
from regie.store.paths import PROJECT_ROOT

NAMED = {
    "LicenseRef-Open-Data-Euskadi": LicenceTerms(name="Open Data Euskadi", url="https://opendata.euskadi.eus/aviso-legal/",
                                                 redistribution=True, attribution=True),
    "LicenseRef-Closed": LicenceTerms(name="Closed agreement", redistribution=False),
    "LicenseRef-Share": LicenceTerms(name="Share terms", redistribution=True, share_alike=True),
}


def _ops(*licences: str) -> list[OperatorLicence]:
    return [OperatorLicence(f"op{index}", f"Operator {index}", describe(licence, NAMED, operator=f"op{index}"))
            for index, licence in enumerate(licences)]


@pytest.mark.parametrize(("licences", "expected"), [
    (["CC0-1.0"], "CC0-1.0"),
    (["CC0-1.0", "PDDL-1.0"], "CC0-1.0"),
    (["CC0-1.0", "etalab-2.0"], "etalab-2.0"),
    (["etalab-2.0", "CC-BY-4.0", "CC0-1.0"], "CC-BY-4.0"),  # the most demanding attribution licence
    (["CC-BY-4.0", "ODbL-1.0", "etalab-2.0"], "ODbL-1.0"),  # any share-alike makes it share-alike
    (["CC-BY-SA-4.0", "CC0-1.0"], "CC-BY-SA-4.0"),
    (["CC-BY-4.0", "LicenseRef-Open-Data-Euskadi"], "LicenseRef-Open-Data-Euskadi"),
    (["CC-BY-4.0", "LicenseRef-Share"], "LicenseRef-Share"),
])
def test_the_regional_licence_follows_from_the_operators(licences, expected):
    merged = regional_licence(_ops(*licences))
    assert merged.id == expected
    assert merged.share_alike == (expected in ("ODbL-1.0", "CC-BY-SA-4.0", "LicenseRef-Share"))


def test_two_different_share_alike_licences_cannot_be_merged():
    with pytest.raises(LicenceError, match=r"op0 \(CC-BY-SA-4.0\).*op1 \(ODbL-1.0\)"):
        regional_licence(_ops("CC-BY-SA-4.0", "ODbL-1.0"))


@pytest.mark.parametrize(("licence", "why"), [
    ("CC-BY-NC-4.0", "forbids commercial re-use or derivatives"),
    ("CC-BY-ND-4.0", "forbids commercial re-use or derivatives"),
    ("LicenseRef-Closed", "redistribution: false"),
    ("LicenseRef-Unknown", "no terms for it under publish.licences"),
    ("Proprietary-1.0", "not one the pool knows"),
])
def test_a_licence_that_does_not_allow_redistribution_cannot_be_open(licence, why):
    with pytest.raises(LicenceError, match=f"operator 'txik-txak'.*{why}"):
        describe(licence, NAMED, operator="txik-txak")


def test_spdx_licences_are_described_by_their_spdx_uri():
    assert describe("CC-BY-4.0", {}, operator="x").url == "http://spdx.org/licenses/CC-BY-4.0"
    assert describe("LicenseRef-Open-Data-Euskadi", NAMED, operator="x").url == "https://opendata.euskadi.eus/aviso-legal/"


def test_the_attribution_names_every_operator_and_licence():
    operators = _ops("CC-BY-4.0", "ODbL-1.0", "CC0-1.0")
    text = attribution_text("Region", "The pool", regional_licence(operators), operators)
    assert "Regional feed licence: Open Data Commons Open Database License v1.0 (ODbL-1.0)" in text
    for index, licence in enumerate(("CC-BY-4.0", "ODbL-1.0", "CC0-1.0")):
        assert f"- Operator {index} (op{index}): " in text and f"({licence})" in text


def test_region_yaml_names_the_key_of_a_bad_publish_setting(tmp_path):
    text = (PROJECT_ROOT / "configs" / "region.yaml").read_text(encoding="utf-8")
    path = tmp_path / "region.yaml"
    bad_licences = "\npublish:\n  licences:\n    CC-BY-4.0: {name: x, redistribution: true}\n  #"
    path.write_text(text.replace("\npublish:", bad_licences, 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"publish.*licences.*only named licences"):
        load_region(path)
    path.write_text(text.replace("keep_releases: 5", "keep_releases: 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"keep_releases"):
        load_region(path)


def test_the_basque_example_regions_open_operators_can_be_published_together():
    folder = PROJECT_ROOT / "configs" / "examples" / "basque-cross-border"
    region = load_region(folder / "region.yaml")
    registry = load_registry(folder / "operators.yaml", env={})
    operators = [OperatorLicence(op.id, op.name, describe(op.licence, region.publish.licences, operator=op.id))
                 for op in registry.operators if op.openness == "open"]
    assert regional_licence(operators).id == "ODbL-1.0"  # SNCF and Txik Txak under ODbL: share-alike
