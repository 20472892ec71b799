"""Shared fixtures: the real test feeds, catalogue databases (SQLite and PostgreSQL), a clean env."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from regie.store.paths import shared_feeds_dir
from tests.browser import browser  # noqa: F401 - the headless Chromium fixture, for every page test

POSTGRES_ENV = "REGIE_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def feeds_dir() -> Path:
    """The real public feeds of ../shared/data/feeds (never copied into the project)."""
    path = shared_feeds_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared test feeds at {path} (or set REGIE_TEST_FEEDS)")
        pytest.skip(f"shared test feeds not found at {path}; set REGIE_TEST_FEEDS")
    return path


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never see the developer's REGIE_* or DAGSTER_HOME settings, nor each other's
    (the CLI sets REGIE_* variables for the Dagster resources it runs)."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if (name.startswith("REGIE_") and name not in (POSTGRES_ENV, "REGIE_TEST_FEEDS")) or name == "DAGSTER_HOME":
            monkeypatch.delenv(name, raising=False)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _postgres_database() -> Iterator[str]:
    """A fresh, throwaway database on the PostgreSQL server of REGIE_TEST_POSTGRES_URL."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the catalogue tests on PostgreSQL: set {POSTGRES_ENV} (.ci/run does)")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} to run these tests on it")
    name = f"regie_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # name is generated above, not input
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each catalogue test runs on SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalogue.db'}"
    else:
        yield from _postgres_database()
