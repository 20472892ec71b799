"""`regie journey`: plan one journey on the graph files the pipeline wrote (nothing is rebuilt)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from regie.cli.common import fail, pool_paths, region_of
from regie.config import ConfigError
from regie.store.paths import Paths

if TYPE_CHECKING:
    from regie.config.region import PlannerSettings

EXIT_FOUND, EXIT_NO_JOURNEY, EXIT_BAD_INPUT = 0, 1, 2
DEMO_JOURNEY = ("Hendaye / Hendaia", "Bulebarra")  # the demo region: Kosta Rail, then a Bizi bike


def _clock(iso: str) -> str:
    return iso[11:16] if len(iso) >= 16 else iso


def _minutes(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _leg_line(leg: dict[str, Any]) -> str:
    times = f"{_clock(leg['departure'])}–{_clock(leg['arrival'])}"
    places = f"{leg['from']['name']} → {leg['to']['name']}"
    if leg["kind"] == "transit":
        route = leg.get("route_short_name") or leg.get("route_long_name") or leg.get("route_id", "")
        towards = f" towards {leg['headsign']}" if leg.get("headsign") else ""
        return f"  {times}  {leg['mode']:<7} {leg.get('operator_name', '')} {route}{towards}: {places}"
    what = "bike" if leg["kind"] == "bike" else "walk"
    operator = f" ({leg['operator_name']})" if leg.get("operator_name") else ""
    return f"  {times}  {what:<7} {round(leg.get('distance_m') or 0):,} m, {_minutes(leg['duration_s'])}{operator}: {places}"


def region_planner(paths: Paths) -> PlannerSettings | None:
    """The region's `planner:` settings (None without a readable region.yaml: the defaults)."""
    try:
        return region_of(paths).planner
    except ConfigError:
        return None


def print_answer(answer: dict[str, Any]) -> None:
    request = answer["request"]
    kind = "arriving by" if request.get("arrive_by") else "leaving at"
    click.echo(f"{answer['from']['name']} → {answer['to']['name']}, {kind} {request['at'][:16].replace('T', ' ')}")
    if not answer["journeys"]:
        reason = answer.get("reason") or {"code": "none", "message": "no journey found"}
        click.secho(f"No journey: {reason['message']} ({reason['code']})", fg="yellow")
        return
    for number, journey in enumerate(answer["journeys"], start=1):
        transfers = journey["transfers"]
        click.echo(f"\nJourney {number}: {_clock(journey['departure'])} → {_clock(journey['arrival'])} "
                   f"({_minutes(journey['duration_s'])}, {transfers} transfer{'s' if transfers != 1 else ''})")
        for leg in journey["legs"]:
            click.echo(_leg_line(leg))


@click.command()
@click.option("--from", "origin", required=True, help='Stop name, stop id, or "lat,lon".')
@click.option("--to", "destination", required=True, help='Stop name, stop id, or "lat,lon".')
@click.option("--at", "at", default=None, help="Local date and time, YYYY-MM-DDTHH:MM (default: the first "
                                               "service day of the graph at 08:00).")
@click.option("--arrive-by", is_flag=True, help="--at is the latest arrival.")
@click.option("--wheelchair", is_flag=True, help="Wheelchair-accessible stops, trips and paths only.")
@click.option("--max-transfers", type=click.IntRange(0, 15), default=None)
@click.option("--max-walk-m", type=click.FloatRange(0, 5000), default=None, help="Longest walk, in metres.")
@click.option("--modes", multiple=True, help="Modes allowed, comma-separated or repeated: rail, bus, ferry, "
                                             "bike_share, ... (default: all).")
@click.option("--pareto", is_flag=True, help="Every Pareto-optimal (arrival, transfers) journey.")
@click.option("--window", "window_min", type=click.IntRange(1, 240), default=None,
              help="Range query: every Pareto-optimal journey departing within these minutes.")
@click.option("--graph", "graph_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Graph files (default: <data dir>/journeys/internal).")
@click.option("--json", "as_json", is_flag=True, help="The API's JSON answer.")
def journey(origin: str, destination: str, at: str | None, arrive_by: bool, wheelchair: bool,
            max_transfers: int | None, max_walk_m: float | None, modes: tuple[str, ...], pareto: bool,
            window_min: int | None, graph_dir: Path | None, as_json: bool) -> None:
    """Plan a journey across every operator of the region, with the legs and, when there is no
    journey, why not. Exit code 0: a journey; 1: none (the reason is given); 2: an unknown stop, a
    bad option or no graph."""
    from regie.serve.errors import ApiError  # lazy: the planner loads only for this command
    from regie.serve.planning import JourneyOptions, load_graph, parse_at, parse_modes, plan_journeys, resolve_place

    paths = pool_paths()
    folder = (graph_dir or paths.journeys_dir / "internal").resolve()
    loaded = load_graph(folder, region_planner(paths))
    if loaded is None:
        fail(f"no journey graph at {folder}: build it with `regie run` (or `regie demo`)", EXIT_BAD_INPUT)
        return
    try:
        when = parse_at(at or f"{loaded.summary()['window_start']}T08:00", loaded)
        options = JourneyOptions(arrive_by=arrive_by, wheelchair=wheelchair, max_transfers=max_transfers,
                                 max_walk_m=max_walk_m, modes=parse_modes(",".join(modes), loaded), pareto=pareto,
                                 window_min=window_min)
        answer = plan_journeys(loaded, resolve_place(loaded, origin, "from"),
                               resolve_place(loaded, destination, "to"), when, options)
    except ApiError as exc:
        if as_json:
            click.echo(json.dumps({"error": {"code": exc.code, "message": exc.message}}, ensure_ascii=False))
        fail(exc.message, EXIT_BAD_INPUT)
        return
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        print_answer(answer)
    raise SystemExit(EXIT_FOUND if answer["journeys"] else EXIT_NO_JOURNEY)


def print_demo_journey(paths: Paths) -> bool:
    """Plan and print one journey of the demo region on its internal graph: rail, then a shared
    bike (`DEMO_JOURNEY`), on the first service day at 08:00. False when there is none."""
    from regie.serve.errors import ApiError  # lazy: see journey
    from regie.serve.planning import JourneyOptions, load_graph, parse_at, plan_journeys, resolve_place

    loaded = load_graph(paths.journeys_dir / "internal", region_planner(paths))
    if loaded is None:
        click.echo("\nNo journey graph was built: no journey to show.")
        return False
    origin, destination = DEMO_JOURNEY
    at = f"{loaded.summary()['window_start']}T08:00"
    click.echo(f"\nA journey across operators (regie journey --from \"{origin}\" --to \"{destination}\" --at {at}):")
    try:
        answer = plan_journeys(loaded, resolve_place(loaded, origin, "from"), resolve_place(loaded, destination, "to"),
                               parse_at(at, loaded), JourneyOptions())
    except ApiError as exc:
        click.echo(f"  {exc.message}")
        return False
    print_answer(answer)
    return bool(answer["journeys"])
