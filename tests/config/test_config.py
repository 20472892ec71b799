"""The registry (`operators.yaml`) and region (`region.yaml`) loaders: one test per kind of mistake.

Every bad config must raise a ConfigError that names the file, the operator and the key, and
says what is expected. Fixture YAML is written inline into `tmp_path`.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from regie.config import ConfigError, load_region, load_registry
from regie.config.operators import FeedKind
from regie.store.paths import PROJECT_ROOT

CONFIGS = PROJECT_ROOT / "configs"
EXAMPLE = CONFIGS / "examples" / "basque-cross-border"
SHIPPED_CONFIG_DIRS = [pytest.param(CONFIGS, id="demo"), pytest.param(EXAMPLE, id="basque-cross-border")]


# ------------------------------------------------------------------------------------------------
# Fixture helpers
# ------------------------------------------------------------------------------------------------


def feed(**overrides: Any) -> dict[str, Any]:
    """A minimal valid feed entry; keyword arguments replace or add keys (None removes one)."""
    entry: dict[str, Any] = {"id": "gtfs", "kind": "gtfs", "url": "https://acme.example/gtfs.zip"}
    return _override(entry, overrides)


def operator(**overrides: Any) -> dict[str, Any]:
    """A minimal valid operator entry; keyword arguments replace or add keys (None removes one)."""
    entry: dict[str, Any] = {
        "id": "acme",
        "name": "Acme Transit",
        "modes": ["bus"],
        "contact": "data@acme.example",
        "licence": "CC-BY-4.0",
        "openness": "open",
        "ridership": {"boardings": 1_000_000, "year": 2025},
        "member_from": date(2026, 1, 1),
        "feeds": [feed()],
    }
    return _override(entry, overrides)


def _override(entry: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    entry = {**entry, **overrides}
    return {key: value for key, value in entry.items() if value is not None}


def write_registry(tmp_path: Path, *operators: dict[str, Any]) -> Path:
    path = tmp_path / "operators.yaml"
    path.write_text(yaml.safe_dump({"operators": list(operators)}, allow_unicode=True), encoding="utf-8")
    return path


def load_one(tmp_path: Path, env: dict[str, str] | None = None, **overrides: Any):
    """Load a registry of one operator built with `overrides`; returns that operator."""
    path = write_registry(tmp_path, operator(**overrides))
    return load_registry(path, env={} if env is None else env).operators[0]


def config_error(tmp_path: Path, *operators: dict[str, Any], env: dict[str, str] | None = None) -> str:
    """Load a registry that must be rejected; returns the message, which must name the file."""
    path = write_registry(tmp_path, *operators)
    with pytest.raises(ConfigError) as caught:
        load_registry(path, env={} if env is None else env)
    message = str(caught.value)
    assert str(path) in message
    return message


# ------------------------------------------------------------------------------------------------
# Registry: one test per kind of mistake
# ------------------------------------------------------------------------------------------------


def test_minimal_operator_loads(tmp_path: Path) -> None:
    loaded = load_one(tmp_path)
    assert loaded.id == "acme"
    assert loaded.feeds[0].kind is FeedKind.GTFS
    assert loaded.ridership is not None and loaded.ridership.estimated is False


def test_unknown_key_at_operator_level_lists_allowed_keys(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(colour="red"))
    assert "operator 'acme'" in message
    assert "key 'colour'" in message
    assert "unknown key" in message
    allowed = re.search(r"expected one of: ([^)]*)", message)
    assert allowed is not None
    assert {"id", "name", "modes", "feeds", "licence", "openness", "member_from"} <= set(
        allowed.group(1).split(", ")
    )


def test_unknown_key_at_feed_level_lists_feed_keys(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(feeds=[feed(token="abc")]))
    assert "operator 'acme'" in message
    assert "key 'feeds[0].token'" in message
    allowed = re.search(r"expected one of: ([^)]*)", message)
    assert allowed is not None
    assert set(allowed.group(1).split(", ")) == {"id", "kind", "url", "headers", "filter", "description"}


def test_duplicate_operator_id(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(), operator(name="Acme again"))
    assert re.search(r"key 'operators': duplicate operator id 'acme'; operator ids must be unique", message)


def test_duplicate_feed_id_within_an_operator(tmp_path: Path) -> None:
    feeds = [feed(), feed(url="https://acme.example/other.zip")]
    message = config_error(tmp_path, operator(feeds=feeds))
    assert "operator 'acme': key 'feeds'" in message
    assert "duplicate feed id 'gtfs'; feed ids must be unique within an operator" in message


def test_same_feed_id_in_two_operators_is_fine(tmp_path: Path) -> None:
    path = write_registry(tmp_path, operator(), operator(id="other"))
    registry = load_registry(path, env={})
    assert registry.ids == ["acme", "other"]
    assert registry.operator("other").feed("gtfs").url == "https://acme.example/gtfs.zip"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://acme.example/gtfs.zip", id="ftp"),
        pytest.param("http:///gtfs.zip", id="missing-host"),
        pytest.param("/srv/feeds/gtfs.zip", id="plain-path"),
        pytest.param("gtfs.zip", id="relative-name"),
    ],
)
def test_bad_url(tmp_path: Path, url: str) -> None:
    message = config_error(tmp_path, operator(feeds=[feed(url=url)]))
    assert "operator 'acme': key 'feeds[0].url'" in message
    assert "url must be an http://, https:// or file:// address" in message
    assert repr(url) in message


def test_file_url_is_accepted(tmp_path: Path) -> None:
    loaded = load_one(tmp_path, feeds=[feed(url="file:///srv/feeds/gtfs.zip")])
    assert loaded.feeds[0].is_file


def test_unknown_openness(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(openness="semi-open"))
    assert "operator 'acme': key 'openness'" in message
    assert "'open' or 'restricted'" in message


def test_ridership_without_year(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(ridership={"boardings": 5_000_000}))
    assert "operator 'acme': key 'ridership.year': required key is missing" in message


def test_ridership_is_optional_and_can_be_estimated(tmp_path: Path) -> None:
    assert load_one(tmp_path, ridership=None).ridership is None
    estimated = {"boardings": 30_000_000, "year": 2025, "estimated": True}
    ridership = load_one(tmp_path, ridership=estimated).ridership
    assert ridership is not None and ridership.estimated


def test_unknown_feed_kind(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(feeds=[feed(kind="netex")]))
    assert "operator 'acme': key 'feeds[0].kind'" in message
    assert "'gtfs', 'gbfs' or 'gtfs-rt'" in message


def test_unknown_mode(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(modes=["bus", "hovercraft"]))
    assert "operator 'acme': key 'modes[1]'" in message
    assert "'bus'" in message and "'bike_share'" in message and "'car_share'" in message


@pytest.mark.parametrize("until", [date(2025, 6, 30), date(2026, 1, 1)], ids=["before", "same-day"])
def test_member_until_must_be_after_member_from(tmp_path: Path, until: date) -> None:
    message = config_error(tmp_path, operator(member_until=until))
    assert "operator 'acme'" in message
    assert f"member_until ({until}) must be after member_from (2026-01-01)" in message


def test_bad_operator_id_names_the_pattern(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(id="Acme Transit"))
    assert "operator 'Acme Transit': key 'id'" in message
    assert "should match pattern" in message


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("s3cr3t-literal-key", id="literal"),
        pytest.param("Bearer ${API_TOKEN}", id="reference-inside-text"),
        pytest.param("${API_TOKEN:-s3cr3t-literal-key}", id="reference-with-default"),
    ],
)
def test_header_value_written_in_the_file_is_rejected(tmp_path: Path, value: str) -> None:
    operators = operator(feeds=[feed(headers={"ApiKey": value})])
    message = config_error(tmp_path, operators, env={"API_TOKEN": "from-env"})
    assert "operator 'acme': key 'feeds[0].headers'" in message
    assert "header 'ApiKey' must be an environment reference like '${API_KEY}'" in message
    assert "secrets never live in the registry" in message
    assert "s3cr3t-literal-key" not in message


def test_header_referencing_undefined_variable(tmp_path: Path) -> None:
    operators = operator(feeds=[feed(headers={"ApiKey": "${NAP_API_KEY}"})])
    message = config_error(tmp_path, operators, env={})
    assert "operator 'acme': key 'feeds[0].headers'" in message
    assert "header 'ApiKey' uses environment variable NAP_API_KEY, which is not defined" in message


def test_header_from_defined_variable_resolves_and_stays_secret(tmp_path: Path) -> None:
    secret = "nap-key-0123456789"
    path = write_registry(tmp_path, operator(feeds=[feed(headers={"ApiKey": "${NAP_API_KEY}"})]))
    registry = load_registry(path, env={"NAP_API_KEY": secret})
    loaded_feed = registry.operator("acme").feed("gtfs")
    assert loaded_feed.header_values() == {"ApiKey": secret}
    assert secret not in repr(registry)
    assert secret not in str(registry)
    assert secret not in registry.model_dump_json()
    assert secret not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, "http://127.0.0.1:8797/acme.zip", id="default"),
        pytest.param({"FEEDS_URL": ""}, "http://127.0.0.1:8797/acme.zip", id="empty-uses-default"),
        pytest.param({"FEEDS_URL": "https://mirror.example"}, "https://mirror.example/acme.zip", id="env"),
    ],
)
def test_url_variable_with_default(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    url = "${FEEDS_URL:-http://127.0.0.1:8797}/acme.zip"
    loaded = load_one(tmp_path, env=env, feeds=[feed(url=url)])
    assert loaded.feeds[0].url == expected


def test_url_variable_without_default_must_be_defined(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(feeds=[feed(url="${FEEDS_URL}/acme.zip")]), env={})
    assert "operator 'acme': key 'feeds[0].url'" in message
    assert "url uses environment variable FEEDS_URL, which is not defined" in message


def test_operators_key_missing_in_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "operators.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: key 'operators': required key is missing")):
        load_registry(path, env={})


def test_empty_operator_list(tmp_path: Path) -> None:
    path = write_registry(tmp_path)
    expected = f"{path}: key 'operators': List should have at least 1 item"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_registry(path, env={})


def test_operator_without_feeds(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(feeds=[]))
    assert "operator 'acme': key 'feeds': List should have at least 1 item" in message


def test_unknown_top_level_key(tmp_path: Path) -> None:
    path = tmp_path / "operators.yaml"
    path.write_text(yaml.safe_dump({"operators": [operator()], "operator": []}), encoding="utf-8")
    expected = "key 'operator': unknown key (expected one of: operators)"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_registry(path, env={})


def test_registry_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "operators.yaml"
    with pytest.raises(ConfigError, match=re.escape(f"{path}: file not found")):
        load_registry(path, env={})


def test_registry_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "operators.yaml"
    path.write_text("operators: [acme\n  - {id: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: not valid YAML")):
        load_registry(path, env={})


def test_registry_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "operators.yaml"
    path.write_text("- id: acme\n", encoding="utf-8")
    expected = f"{path}: expected a mapping at the top level, got list"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_registry(path, env={})


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    message = config_error(tmp_path, operator(openness="semi"), operator(id="beta", modes=["zeppelin"]))
    assert "operator 'acme': key 'openness'" in message
    assert "operator 'beta': key 'modes[0]'" in message


# ------------------------------------------------------------------------------------------------
# Region
# ------------------------------------------------------------------------------------------------


def region(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "Test region",
        "timezone": "Europe/Paris",
        "bbox": {"min_lon": -2.0, "min_lat": 43.0, "max_lon": -1.0, "max_lat": 43.6},
        "languages": ["eu", "fr"],
    }
    return _override(entry, overrides)


def write_region(tmp_path: Path, **overrides: Any) -> Path:
    path = tmp_path / "region.yaml"
    path.write_text(yaml.safe_dump(region(**overrides), allow_unicode=True), encoding="utf-8")
    return path


def test_unknown_time_zone(tmp_path: Path) -> None:
    path = write_region(tmp_path, timezone="Europe/Bilbao")
    with pytest.raises(ConfigError) as caught:
        load_region(path, env={})
    assert str(caught.value) == (
        f"{path}: key 'timezone': unknown IANA time zone 'Europe/Bilbao' (e.g. Europe/Paris)"
    )


@pytest.mark.parametrize(
    "bbox",
    [
        pytest.param({"min_lon": -1.0, "min_lat": 43.0, "max_lon": -2.0, "max_lat": 43.6}, id="lon-swapped"),
        pytest.param({"min_lon": -2.0, "min_lat": 43.6, "max_lon": -1.0, "max_lat": 43.0}, id="lat-swapped"),
    ],
)
def test_bad_bbox_order(tmp_path: Path, bbox: dict[str, float]) -> None:
    path = write_region(tmp_path, bbox=bbox)
    with pytest.raises(ConfigError) as caught:
        load_region(path, env={})
    assert str(caught.value) == (
        f"{path}: key 'bbox': bounding box must have min_lon < max_lon and min_lat < max_lat"
    )


def test_bbox_latitude_out_of_range(tmp_path: Path) -> None:
    path = write_region(tmp_path, bbox={"min_lon": -2.0, "min_lat": 43.0, "max_lon": -1.0, "max_lat": 93.0})
    expected = f"{path}: key 'bbox.max_lat': Input should be less than or equal to 90"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_region(path, env={})


def test_unknown_region_key(tmp_path: Path) -> None:
    path = write_region(tmp_path, timezone_name="Europe/Paris")
    with pytest.raises(ConfigError, match=r"key 'timezone_name': unknown key \(expected one of: .*timezone"):
        load_region(path, env={})


def test_region_file_not_found(tmp_path: Path) -> None:
    path = tmp_path / "region.yaml"
    with pytest.raises(ConfigError, match=re.escape(f"{path}: file not found")):
        load_region(path, env={})


def test_as_of_defaults_to_today(tmp_path: Path) -> None:
    before = date.today()
    loaded = load_region(write_region(tmp_path), env={})
    assert loaded.as_of in {before, date.today()}


def test_as_of_precedence(tmp_path: Path) -> None:
    path = write_region(tmp_path, as_of=date(2026, 1, 15))
    env = {"REGIE_AS_OF": "2026-02-15"}
    assert load_region(path, env={}).as_of == date(2026, 1, 15)  # file > today
    assert load_region(path, env=env).as_of == date(2026, 2, 15)  # REGIE_AS_OF > file
    assert load_region(path, env=env, as_of="2026-03-15").as_of == date(2026, 3, 15)  # argument > env
    assert load_region(path, env=env, as_of=date(2026, 4, 15)).as_of == date(2026, 4, 15)
    assert load_region(path, env={"REGIE_AS_OF": ""}).as_of == date(2026, 1, 15)  # empty = unset


def test_invalid_as_of_in_file(tmp_path: Path) -> None:
    path = write_region(tmp_path, as_of="25/11/2026")
    with pytest.raises(ConfigError) as caught:
        load_region(path, env={})
    message = str(caught.value)
    assert message.startswith(f"{path}: key 'as_of': ")
    assert "as_of must be a date written YYYY-MM-DD, got '25/11/2026'" in message


def test_invalid_as_of_from_environment_names_the_variable(tmp_path: Path) -> None:
    path = write_region(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_region(path, env={"REGIE_AS_OF": "yesterday"})
    message = str(caught.value)
    assert message.startswith("environment variable REGIE_AS_OF: as_of must be a date written YYYY-MM-DD")
    assert "'yesterday'" in message
    assert str(path) in message


def test_invalid_as_of_argument_is_a_clear_error(tmp_path: Path) -> None:
    path = write_region(tmp_path)
    expected = "the as_of argument: as_of must be a date written YYYY-MM-DD, got '2026-02-30'"
    with pytest.raises(ConfigError, match="^" + re.escape(expected)):
        load_region(path, env={"REGIE_AS_OF": "2026-02-15"}, as_of="2026-02-30")


# ------------------------------------------------------------------------------------------------
# The shipped configurations
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("config_dir", SHIPPED_CONFIG_DIRS)
def test_shipped_registry_loads_without_secrets(config_dir: Path) -> None:
    registry = load_registry(config_dir / "operators.yaml", env={})
    assert registry.operators
    assert len(set(registry.ids)) == len(registry.ids)
    for op in registry.operators:
        assert op.feeds, f"operator {op.id} has no feed"
        feed_ids = [f.id for f in op.feeds]
        assert len(set(feed_ids)) == len(feed_ids), f"operator {op.id} repeats a feed id"


@pytest.mark.parametrize("config_dir", SHIPPED_CONFIG_DIRS)
def test_shipped_region_loads(config_dir: Path) -> None:
    loaded = load_region(config_dir / "region.yaml", as_of="2026-06-01", env={})
    assert loaded.as_of == date(2026, 6, 1)
    assert loaded.zone.key == loaded.timezone


def test_example_region_covers_the_corridor() -> None:
    loaded = load_region(EXAMPLE / "region.yaml", env={})
    assert loaded.name == "Basque cross-border region (Bayonne – Donostia – Bilbao)"
    assert loaded.timezone == "Europe/Paris"
    assert loaded.languages == ["eu", "es", "fr", "en"]
    bayonne, irun, donostia, bilbao = (-1.48, 43.49), (-1.79, 43.34), (-1.98, 43.32), (-2.93, 43.26)
    for lon, lat in [bayonne, irun, donostia, bilbao]:
        assert loaded.bbox.contains(lon, lat)
    assert "as_of" not in yaml.safe_load((EXAMPLE / "region.yaml").read_text(encoding="utf-8"))


def test_example_registry_content() -> None:
    registry = load_registry(EXAMPLE / "operators.yaml", env={})
    region_bbox = load_region(EXAMPLE / "region.yaml", env={}).bbox
    cercanias = registry.operator("es-renfe-cercanias").feed("gtfs")
    assert cercanias.filter is not None and cercanias.filter.route_id_prefixes == ["60", "61"]
    sncf = registry.operator("fr-sncf").feed("gtfs")
    assert sncf.filter is not None and sncf.filter.bbox is not None
    for op in registry.operators:
        for f in op.feeds:
            assert not f.headers, f"{op.id}/{f.id}: the example must load without keys"
            if f.filter is not None and f.filter.bbox is not None:
                box = f.filter.bbox
                assert region_bbox.contains(box.min_lon, box.min_lat)
                assert region_bbox.contains(box.max_lon, box.max_lat)
    assert registry.operator("fr-citiz-aupa").modes == ["car_share"]
    assert len(registry.operator("es-lurraldebus").feeds) > 1
    assert {"es-renfe-ld", "fr-sncf", "fr-cars-regionaux-64"}.isdisjoint(
        op.id for op in registry.operators if op.ridership is not None
    )


def test_example_commented_nap_feed_is_valid_once_uncommented(tmp_path: Path) -> None:
    """The commented NAP example stays a valid entry: uncomment it and give it a key."""
    lines = (EXAMPLE / "operators.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "# - id: gtfs-nap")
    end = start + 1
    while lines[end].lstrip().startswith("#   "):
        end += 1
    for i in range(start, end):
        lines[i] = lines[i].replace("# ", "", 1)
    path = tmp_path / "operators.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with pytest.raises(ConfigError, match="operator 'es-euskotren'.*NAP_API_KEY, which is not defined"):
        load_registry(path, env={})
    registry = load_registry(path, env={"NAP_API_KEY": "nap-secret"})
    nap = registry.operator("es-euskotren").feed("gtfs-nap")
    assert nap.url == "https://nap.transportes.gob.es/api/Fichero/download/1263"
    assert nap.header_values() == {"ApiKey": "nap-secret"}
    assert "nap-secret" not in repr(registry)


@pytest.mark.parametrize("reserved", ["hub", "pool"])
def test_operator_ids_of_the_pools_own_records_are_reserved(reserved: str) -> None:
    from regie.config.operators import Operator

    with pytest.raises(ValueError, match="is reserved"):
        Operator(id=reserved, name="X", modes=["bus"], contact="a@b.c", licence="CC0-1.0", openness="open",
                 member_from="2020-01-01", feeds=[{"id": "main", "kind": "gtfs", "url": "https://x.example/a.zip"}])
