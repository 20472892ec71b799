"""Two runs on a fresh data directory set the catalogue up at the same moment (item 6)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlalchemy import select

from regie.store.catalogue import SCHEMA_VERSION, Catalogue
from regie.store.catalogue import schema as catalogue_schema


def _open(url: str, start: multiprocessing.synchronize.Barrier, failures: multiprocessing.Queue) -> None:
    try:
        start.wait(timeout=30)
        Catalogue.open(url).dispose()
    except Exception as exc:  # reported to the parent, which fails the test
        failures.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_migrate_a_fresh_sqlite_catalogue_at_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    failures: multiprocessing.Queue = context.Queue()
    for round_number in range(3):  # the race is likely, not certain: a few fresh databases
        url = f"sqlite:///{tmp_path / f'round{round_number}' / 'regie.db'}"
        start = context.Barrier(2)
        workers = [context.Process(target=_open, args=(url, start, failures)) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
        assert [worker.exitcode for worker in workers] == [0, 0]
        catalogue = Catalogue.open(url)
        with catalogue.engine.connect() as connection:
            versions = list(connection.execute(select(catalogue_schema.schema_migrations.c.version)).scalars())
        catalogue.dispose()
        assert sorted(versions) == list(range(1, SCHEMA_VERSION + 1))
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert reported == []


def _instance(data_dir: str, start: multiprocessing.synchronize.Barrier, failures: multiprocessing.Queue) -> None:
    import os  # lazy: the child sets up its own environment before Dagster loads

    os.environ.pop("DAGSTER_HOME", None)
    try:
        from pipelines.resources import PoolResource  # lazy: Dagster loads in the child only
        from pipelines.runner import dagster_instance

        start.wait(timeout=60)
        dagster_instance(PoolResource(data_dir=data_dir)).dispose()
    except Exception as exc:  # reported to the parent, which fails the test
        failures.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_create_the_dagster_instance_storage_at_once(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    failures: multiprocessing.Queue = context.Queue()
    start = context.Barrier(2)
    workers = [context.Process(target=_instance, args=(str(tmp_path / "data"), start, failures)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    reported = []
    while not failures.empty():
        reported.append(failures.get())
    assert reported == [] and [worker.exitcode for worker in workers] == [0, 0]
    assert (tmp_path / "data" / "dagster" / "history" / "runs.db").is_file()
