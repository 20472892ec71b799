"""The publish assets over a pool: a release with both checks passing, then its database; a
second materialisation with nothing changed makes no new release."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dagster import materialize

from assets.publish import (
    CATALOGUE_CONFORMS,
    NO_RESTRICTED,
    catalogue_conforms,
    no_restricted_operator,
    published_database,
    release,
)
from pipelines.resources import PoolResource
from regie.publish.release import latest_release, release_dirs
from regie.publish.run import releases_dir
from regie.store.paths import PROJECT_ROOT
from tests.publish.conftest import AS_OF


def _materialise(data_dir: Path):
    pool = PoolResource(config_dir=str(PROJECT_ROOT / "configs"), data_dir=str(data_dir),
                        database_url=f"sqlite:///{data_dir / 'regie.db'}", as_of=AS_OF)
    return materialize([release, published_database, catalogue_conforms, no_restricted_operator],
                       resources={"pool": pool})


def test_release_and_database_materialise_with_their_checks(pool_data_dir: Path, monkeypatch):
    monkeypatch.delenv("REGIE_PUBLISH_DATABASE_URL", raising=False)
    result = _materialise(pool_data_dir)
    assert result.success
    checks = {evaluation.check_name: evaluation.passed for evaluation in result.get_asset_check_evaluations()}
    assert checks == {CATALOGUE_CONFORMS: True, NO_RESTRICTED: True}
    latest = latest_release(releases_dir(pool_data_dir))
    assert latest is not None
    with sqlite3.connect(pool_data_dir / "published.db") as connection:
        stops = connection.execute("select count(*) from stops").fetchone()[0]
    assert stops == (latest / "site" / "tables" / "stops.csv").read_text().count("\n") - 1

    again = _materialise(pool_data_dir)
    assert again.success
    metadata = again.asset_materializations_for_node("release")[0].metadata
    assert metadata["status"].value == "unchanged"
    assert release_dirs(releases_dir(pool_data_dir)) == [latest]
