"""Commands that run the pipeline: `regie collect`, `run`, `demo` and `ui`. Dagster loads only here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from regie.cli.common import fail, pool_paths, pool_status_report, print_operator_summary, print_regional, region_of, verbose
from regie.cli.journey import print_demo_journey
from regie.config import ConfigError
from regie.store.paths import PROJECT_ROOT, Paths

DEMO_PORT = 8797


def _print_run(run) -> None:
    """One run's progress line: it ran (what it found is in the summary after), or why it failed."""
    name = "region outputs" if run.operator_id == "region" else run.operator_id
    if run.success:
        click.echo(f"  ran     {name}")
        return
    click.secho(f"  FAILED  {name}: {run.message}", fg="red")
    if verbose() and run.details:
        click.echo(run.details, err=True)


def _run_pipeline(operator_ids: tuple[str, ...] = (), *, collect_only: bool = False, parallel: bool = False) -> bool:
    from pipelines.runner import run_pool  # lazy: Dagster loads only for commands that run the pipeline

    try:
        result = run_pool(operator_ids=operator_ids or None, on_operator_done=_print_run, collect_only=collect_only,
                          verbose=verbose(), parallel=parallel)
    except (ConfigError, KeyError) as exc:
        fail(str(exc).strip("'\""))
    return result.success


def _print_summary(paths: Paths, title: str) -> None:
    """What a person must act on, operator by operator, from the catalogue after the run."""
    try:
        report = pool_status_report(paths)
    except ConfigError as exc:
        fail(str(exc))
    print_operator_summary(report, title=title)
    print_regional(report)


@click.command()
@click.option("--operator", "operator_ids", multiple=True, metavar="ID", help="Only this operator (repeatable).")
def collect(operator_ids: tuple[str, ...]) -> None:
    """Fetch the operators' feeds, archive new versions, record every fetch."""
    click.echo(f"Collecting into {pool_paths().data_dir}")
    if not _run_pipeline(operator_ids, collect_only=True):
        sys.exit(1)


@click.command()
@click.option("--parallel", is_flag=True,
              help="All operators in one run, in parallel steps of a few operators on every core (refresh_pool).")
def run(parallel: bool) -> None:
    """Materialise every asset for the region in REGIE_CONFIG_DIR (default configs/)."""
    paths = pool_paths()
    click.echo(f"Region config: {paths.config_dir}\nData:          {paths.data_dir}")
    succeeded = _run_pipeline(parallel=parallel)
    _print_summary(paths, "Operators (! = act on it):")
    if not succeeded:
        sys.exit(1)


@click.command()
@click.option("--seed", default=7, show_default=True, help="Seed of the demo generator.")
@click.option("--port", default=DEMO_PORT, show_default=True, help="Loopback port of the demo feed server (0: any free port).")
def demo(seed: int, port: int) -> None:
    """Generate the demo region, serve it on loopback HTTP, and run the pipeline on it twice:
    first every operator publishes a good version, then Mugabus publishes a broken update."""
    from regie.demo import generate_demo_region  # lazy: see _status

    paths = pool_paths()
    try:
        region = region_of(paths)
    except ConfigError as exc:
        fail(str(exc))
    feeds_dir = paths.demo_feeds_dir
    feeds_dir.mkdir(parents=True, exist_ok=True)
    archived_before = _archived_files(paths)
    succeeded = True
    with _demo_server(feeds_dir, port) as server:
        os.environ["REGIE_DEMO_FEEDS_URL"] = server.base_url
        click.echo(f"Demo region '{region.name}' as of {region.as_of}: feeds served at {server.base_url}")
        rounds = [("every operator publishes a good version", False),
                  ("Mugabus publishes an update with defects", True)]
        for number, (what, defects) in enumerate(rounds, start=1):
            click.echo(f"\nRound {number}: {what}")
            generate_demo_region(feeds_dir, start=region.as_of, seed=seed, gbfs_base_url=server.base_url,
                                 mugabus_defects=defects)
            succeeded = _run_pipeline() and succeeded
    click.echo(f"\nNew feed versions archived by this run: {len(_archived_files(paths) - archived_before)}")
    _print_summary(paths, "Operators after both rounds (! = act on it):")
    _print_outputs(paths)
    print_demo_journey(paths)
    if not succeeded:
        sys.exit(1)


def _demo_server(root: Path, port: int):
    """The loopback feed server, on `port` if it is free, else on any free port."""
    from regie.demo.server import FeedServer  # lazy: see _status

    try:
        return FeedServer(root, port=port).start()
    except OSError:
        return FeedServer(root, port=0).start()


def _archived_files(paths: Paths) -> set[Path]:
    return {path for path in paths.archive_dir.glob("*/*/*") if path.is_file()}


def _print_outputs(paths: Paths) -> None:
    click.echo("\nOutputs:")
    click.echo(f"  archive (every feed version):  {paths.archive_dir}")
    click.echo(f"  snapshots (GBFS, GTFS-RT):     {paths.snapshot_dir}")
    click.echo(f"  catalogue database:            {paths.database_url}")
    click.echo(f"  quality reports:               {paths.reports_dir / 'index.html'}")
    click.echo(f"  fee statements and summary:    {paths.fees_dir}/<year>/  (regie fees)")
    click.echo(f"  normalised operator feeds:     {paths.integration_dir / 'normalised'}/<operator>/")
    click.echo(f"  regional feed, every operator: {paths.integration_dir / 'internal' / 'regional.zip'}"
               "  (+ hubs, transfers, reconciliation)")
    click.echo(f"  regional feed, open data:      {paths.integration_dir / 'open' / 'regional.zip'}")
    click.echo(f"  regional feeds' reports:       {paths.reports_dir / '_region'}/<internal|open>/report.html")
    click.echo(f"  journey graphs:                {paths.journeys_dir}/<internal|open>/  (regie journey, regie serve)")
    site = paths.data_dir / "releases" / "latest" / "site"
    click.echo(f"  open-data release (portal):    {site / 'index.html'}  (regie serve: http://127.0.0.1:8000/)")
    click.echo(f"  its catalogue (DCAT-AP):       {site / 'catalogue.jsonld'}, catalogue.ttl")
    click.echo(f"  published database:            {paths.data_dir / 'published.db'}")
    click.echo(f"  Dagster runs (open the UI):    {paths.dagster_home}  ->  make ui")
    click.echo("  status:                        regie status [--json]")


@click.command()
@click.option("--port", default=3000, show_default=True)
def ui(port: int) -> None:
    """Open the Dagster UI on the pool (dagster dev, with DAGSTER_HOME under the data dir). On the
    demo region, its feeds are served on loopback while the UI runs, so runs started from the UI
    and the schedules can fetch them."""
    from pipelines.runner import ensure_dagster_home  # lazy: see _run_pipeline

    paths = pool_paths()
    ensure_dagster_home(paths.dagster_home)
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", "workspace.yaml", "-p", str(port)]
    if not _is_demo_region(paths):
        os.chdir(PROJECT_ROOT)
        os.execv(str(dagster), command)
    with _demo_server(paths.demo_feeds_dir, DEMO_PORT) as server:
        os.environ["REGIE_DEMO_FEEDS_URL"] = server.base_url
        click.echo(f"Demo feeds served at {server.base_url} while the UI runs")
        try:
            code = _dagster_dev(command)
        except KeyboardInterrupt:
            code = 130
    sys.exit(code)


def _dagster_dev(command: list[str]) -> int:
    """Run `dagster dev` as a child (this process keeps serving the demo feeds) until it ends."""
    return subprocess.run(command, cwd=PROJECT_ROOT, check=False).returncode


def _is_demo_region(paths: Paths) -> bool:
    """The region reads the demo's feeds (its registry uses REGIE_DEMO_FEEDS_URL) and they exist."""
    try:
        registry_text = paths.operators_file.read_text(encoding="utf-8")
    except OSError:
        return False
    return "REGIE_DEMO_FEEDS_URL" in registry_text and paths.demo_feeds_dir.is_dir() \
        and any(paths.demo_feeds_dir.iterdir())
