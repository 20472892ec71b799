"""`regie serve`: the journey planner's HTTP API and page, and the latest release's portal."""

from __future__ import annotations

import os
from pathlib import Path

import click

from regie.cli.common import fail, pool_paths, region_of
from regie.config import ConfigError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes, each with its own copy of the graph.")
@click.option("--graph", "graph_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Graph files to load (default: <data dir>/journeys/internal).")
@click.option("--tile-url", default=None,
              help="http(s) tile URL template for the planner's map (default: publish.tile_url of "
                   "region.yaml; none: no tiles, the page works offline).")
def serve(host: str, port: int, workers: int, graph_dir: Path | None, tile_url: str | None) -> None:
    """Serve /api (journeys, stops, isochrones; OpenAPI at /api/docs), the planner page at /plan,
    and at / the latest release's site (data/releases/latest/site) when there is one.

    The planner answers from the internal graph (every operator, restricted ones included) as
    journeys only: the server never serves that graph's files."""
    import uvicorn  # lazy: only this command needs the server

    from regie.config.region import PlannerSettings  # lazy: see above
    from regie.serve.settings import ServeSettings

    paths = pool_paths()
    title, attribution, planner = "Régie journey planner", "", PlannerSettings()
    try:
        region = region_of(paths)
        title = f"{region.name}: journey planner"
        tile_url = tile_url or region.publish.tile_url
        attribution, planner = region.publish.tile_attribution, region.planner
    except ConfigError as exc:
        if paths.region_file.exists():
            fail(str(exc))
    try:
        settings = ServeSettings(graph_dir=(graph_dir or paths.journeys_dir / "internal").resolve(),
                                 site_dir=paths.data_dir / "releases" / "latest" / "site", title=title,
                                 tile_url=tile_url, tile_attribution=attribution, planner=planner)
    except ValueError as exc:
        fail(str(exc))
    if not settings.graph_dir.is_dir():
        click.secho(f"No journey graph at {settings.graph_dir}: build it with `regie run`. "
                    "Serving without a planner.", fg="yellow", err=True)
    os.environ.update(settings.to_environment())
    click.echo(f"Serving on http://{host}:{port}/  (planner: /plan, API: /api/docs)")
    uvicorn.run("regie.serve.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False, proxy_headers=False, server_header=False)
