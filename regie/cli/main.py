"""The `regie` command line. Dagster is imported only by the commands that run the pipeline."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from regie.config import ConfigError, load_region
from regie.store.paths import PROJECT_ROOT, Paths, resolve_paths

DEMO_PORT = 8797


def _paths() -> Paths:
    return resolve_paths()


def _fail(message: str, code: int = 1) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Region configuration (REGIE_CONFIG_DIR; default configs/).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where everything is written (REGIE_DATA_DIR; default data/).")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The region's reference date (REGIE_AS_OF; default today).")
def main(config_dir: Path | None, data_dir: Path | None, as_of: datetime | None) -> None:
    """Régie: collect, audit, merge and publish a region's mobility data."""
    if config_dir:
        os.environ["REGIE_CONFIG_DIR"] = str(config_dir.resolve())
    if data_dir:
        os.environ["REGIE_DATA_DIR"] = str(data_dir.resolve())
    if as_of:
        os.environ["REGIE_AS_OF"] = as_of.date().isoformat()


def _print_run(run) -> None:
    if run.success:
        click.echo(f"  ok      {run.operator_id}")
    else:
        click.secho(f"  FAILED  {run.operator_id}: {run.message}", fg="red")


def _run_pipeline(operator_ids: tuple[str, ...] = (), *, collect_only: bool = False) -> bool:
    from pipelines.runner import run_pool  # lazy: Dagster loads only for commands that run the pipeline

    try:
        result = run_pool(operator_ids=operator_ids or None, on_operator_done=_print_run, collect_only=collect_only)
    except (ConfigError, KeyError) as exc:
        _fail(str(exc).strip("'\""))
    return result.success


@main.command()
@click.option("--operator", "operator_ids", multiple=True, metavar="ID", help="Only this operator (repeatable).")
def collect(operator_ids: tuple[str, ...]) -> None:
    """Fetch the operators' feeds, archive new versions, record every fetch."""
    click.echo(f"Collecting into {_paths().data_dir}")
    if not _run_pipeline(operator_ids, collect_only=True):
        sys.exit(1)


@main.command()
def run() -> None:
    """Materialise every asset for the region in REGIE_CONFIG_DIR (default configs/)."""
    paths = _paths()
    click.echo(f"Region config: {paths.config_dir}\nData:          {paths.data_dir}")
    if not _run_pipeline():
        sys.exit(1)


@main.command()
@click.option("--seed", default=7, show_default=True, help="Seed of the demo generator.")
@click.option("--port", default=DEMO_PORT, show_default=True, help="Loopback port of the demo feed server (0: any free port).")
def demo(seed: int, port: int) -> None:
    """Generate the demo region, serve it on loopback HTTP, and run the pipeline on it twice:
    first every operator publishes a good version, then Mugabus publishes a broken update."""
    from regie.demo import generate_demo_region  # lazy: see _status

    paths = _paths()
    try:
        region = load_region(paths.region_file)
    except ConfigError as exc:
        _fail(str(exc))
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
    _print_gate(paths)
    _print_outputs(paths)
    if not succeeded:
        sys.exit(1)


def _status(paths: Paths) -> dict:
    from regie.pool import Pool  # lazy, as every command's library: `regie --help` stays fast
    from regie.status import pool_status

    with Pool.open(paths) as pool:
        return pool_status(pool, now=datetime.now(UTC))


def _print_gate(paths: Paths) -> None:
    """Which version of each feed is in force, and whether a newer one was blocked."""
    report = _status(paths)
    click.echo("\nVersions in force:")
    for operator in report["operators"]:
        for feed in operator["feeds"]:
            gate = feed.get("gate")
            if not gate:
                continue
            line = f"  {operator['id']:<16} {feed['feed']:<6} accepted {gate['accepted_version'] or 'none'}"
            if gate["serving_older"]:
                line += f" (newest {gate['latest_version']} blocked: {gate['latest_errors']} errors)"
            click.echo(line)
    _print_regional(report)


def _print_regional(report: dict) -> None:
    click.echo("\nRegional feeds:")
    for name, feed in report["regional_feeds"].items():
        if feed is None:
            click.echo(f"  {name:<9} not built yet")
            continue
        gate = feed["gate"] or {}
        click.echo(f"  {name:<9} {feed['feed_version']}  {len(feed['operators'])} operators "
                   f"({', '.join(feed['operators'])}), {feed['rows'].get('stops', 0)} stops, "
                   f"{feed['rows'].get('trips', 0)} trips; gate: {gate.get('ERROR', '?')} errors, "
                   f"{gate.get('WARNING', '?')} warnings")


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
    click.echo(f"  Dagster runs (open the UI):    {paths.dagster_home}  ->  make ui")
    click.echo("  status:                        regie status [--json]")


@main.command()
@click.argument("operator_id", metavar="OPERATOR")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--feed", "feed_id", help="The operator's GTFS feed id, when it has several.")
def submit(operator_id: str, file: Path, feed_id: str | None) -> None:
    """Hand in a feed FILE for OPERATOR: archived and recorded like a fetched one."""

    from regie.collect.collector import Collector  # lazy: see _status
    from regie.collect.fetch import LocalFeedClient
    from regie.pool import Pool

    with Pool.open(_paths()) as pool:
        try:
            operator = pool.operator(operator_id)
            collector = Collector(client=LocalFeedClient(), catalogue=pool.catalogue, archive=pool.archive,
                                  snapshots=pool.snapshots, settings=pool.region.collection)
            outcome = collector.submit(operator, file, feed_id)
        except (ConfigError, ValueError, KeyError) as exc:
            _fail(str(exc).strip("'\""))
    click.echo(outcome.describe())
    if outcome.failed:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(as_json: bool) -> None:
    """Operators, their feeds, latest version, its age, and the last fetch's outcome."""
    try:
        report = _status(_paths())
    except ConfigError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    click.echo(f"{report['region']} (as of {report['as_of']}), data in {report['data_dir']}")
    for operator in report["operators"]:
        click.echo(f"\n{operator['id']}  {operator['name']}  [{operator['openness']}]")
        for feed in operator["feeds"]:
            version = feed["latest_version"]
            fetch = feed["latest_fetch"]
            if version:
                version_text = f"{version['content_hash'][:12]} ({version['age_days']:.1f} d old)"
            else:
                version_text = "no version" if feed["kind"] == "gtfs" else "snapshots, no versions"
            fetch_text = f"{fetch['outcome']} at {fetch['fetched_at'][:19]}" if fetch else "never fetched"
            if fetch and fetch["error"]:
                fetch_text += f": {fetch['error']}"
            click.echo(f"  {feed['feed']:<18} {feed['kind']:<8} {version_text:<32} {fetch_text}")
    _print_regional(report)


@main.command()
@click.argument("source", metavar="PATH_OR_URL")
@click.option("--json", "as_json", is_flag=True, help="Print report.json on standard output.")
@click.option("--date", "validation_date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Validation date (default: the region's as_of).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("validation-report"),
              show_default=True, help="Where report.json and report.html are written.")
def validate(source: str, as_json: bool, validation_date: datetime | None, out_dir: Path) -> None:
    """Validate any GTFS feed (zip, folder or URL), outside the pool, and write its reports.

    Exit code: 2 when no table can be read (the report is still written), 1 on any ERROR, 0 otherwise.
    """
    from regie.cli.validate import run_validate  # lazy: see _status

    code, report_json = run_validate(source, out_dir=out_dir, paths=_paths(),
                                     validation_date=validation_date.date() if validation_date else None)
    if as_json:
        click.echo(report_json)
    else:
        click.echo(f"Reports written to {out_dir.resolve()}/report.html and report.json")
    sys.exit(code)


@main.command()
@click.option("--tiers", "tiers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An alternative tiers file: show every operator's fee before and after (what-if).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def fees(tiers_file: Path | None, as_json: bool) -> None:
    """Each operator's integration fee for the fee year (the year of as_of), from the versions in
    force, with the brackets that set it; the total against the platform budget.

    Exit code 1 when some operator's fee could not be computed (the others are still shown)."""
    from regie.fees.region import what_if  # lazy: see _status
    from regie.fees.run import region_fee_run
    from regie.pool import Pool

    try:
        with Pool.open(_paths()) as pool:
            run, summary = region_fee_run(pool)
            alternative = region_fee_run(pool, tiers_file) if tiers_file else None
    except ConfigError as exc:
        _fail(str(exc))
    comparison = what_if(run.results, alternative[0].results) if alternative else None
    if as_json:
        click.echo(json.dumps({"fee_year": run.fee_year, "fees": [r.to_dict() for r in run.results],
                               "summary": summary.to_dict(), "what_if": comparison}, indent=2, ensure_ascii=False, default=str))
    else:
        _print_fees(run, summary, comparison)
    if any(not result.ok for result in run.results):
        sys.exit(1)


def _print_fees(run, summary, comparison) -> None:
    click.echo(f"Integration fees for {run.fee_year} ({summary.currency})")
    for result in run.results:
        if result.ok:
            brackets = ", ".join(f"{dimension} {name}" for dimension, name in result.brackets.items())
            flags = f"  [{', '.join(flag.code for flag in result.flags)}]" if result.flags else ""
            click.echo(f"  {result.operator_id:<18} {result.amount_eur:>12}  {brackets}{flags}")
        else:
            click.secho(f"  {result.operator_id:<18} {'no fee':>12}  {result.message}", fg="red")
    click.echo(f"  {'total':<18} {summary.total_cents / 100:>12,.2f}  budget {summary.budget_cents / 100:,.2f}, "
               f"coverage {summary.coverage:.0%}")
    if comparison:
        click.echo("\nWhat if (alternative tiers):")
        for row in comparison:
            difference = row["difference_cents"]
            diff = "" if difference is None else f"{difference / 100:+,.2f}"
            click.echo(f"  {row['operator_id']:<18} {_eur(row['before_cents']):>12} -> {_eur(row['after_cents']):>12}  {diff}")


def _eur(cents: int | None) -> str:
    return "—" if cents is None else f"{cents / 100:,.2f}"


@main.command()
@click.option("--port", default=3000, show_default=True)
def ui(port: int) -> None:
    """Open the Dagster UI on the pool (dagster dev, with DAGSTER_HOME under the data dir)."""
    from pipelines.runner import ensure_dagster_home  # lazy: see _run_pipeline

    ensure_dagster_home(_paths().dagster_home)
    dagster = Path(sys.executable).with_name("dagster")
    os.chdir(PROJECT_ROOT)
    os.execv(str(dagster), [str(dagster), "dev", "-w", "workspace.yaml", "-p", str(port)])


if __name__ == "__main__":  # pragma: no cover
    main()
