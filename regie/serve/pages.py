"""The server's HTML: the planner page (`/plan`) and the home page shown when no release exists.
Rendered by Jinja2 with autoescape on the pool's one base template; what the page's script needs
goes in a `<script type="application/json">` block (`script_json`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from regie.pages.encode import script_json
from regie.pages.jinja_environment import page_environment
from regie.serve.planning import LoadedGraph
from regie.serve.settings import ServeSettings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
LIMITS = {"max_transfers": 15, "max_walk_m": 5000}


@cache
def _environment() -> jinja2.Environment:
    return page_environment(TEMPLATES_DIR, {})


def _tile_source(tile_url: str | None) -> str:
    if not tile_url:
        return ""
    parts = urlsplit(tile_url)
    host = parts.netloc.replace("{s}", "*")
    return f" {parts.scheme}:" if "{" in host else f" {parts.scheme}://{host}"


def page_csp(tile_url: str | None = None) -> str:
    """Scripts, styles, data only from this server; images also from the tile server, if any."""
    return ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            f"img-src 'self' data:{_tile_source(tile_url)}; base-uri 'none'; form-action 'self'")


def plan_page(loaded: LoadedGraph | None, settings: ServeSettings) -> str:
    summary = loaded.summary() if loaded else None
    data = {"tiles": {"url": settings.tile_url, "attribution": settings.tile_attribution} if settings.tile_url else None,
            "bounds": loaded.bounds() if loaded else None}
    default_at = f"{summary['window_start']}T08:00" if summary else ""
    return _environment().get_template("plan.html").render(
        title=settings.title, csp=page_csp(settings.tile_url), graph=summary, modes=loaded.modes() if loaded else [],
        default_at=default_at, limits=LIMITS, defaults=settings.planner, page_data=script_json(data))


def home_page(settings: ServeSettings) -> str:
    return _environment().get_template("home.html").render(title=settings.title, csp=page_csp())
