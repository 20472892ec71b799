"""The FastAPI application: `/api` (OpenAPI at /api/openapi.json, docs at /api/docs), the planner
page `/plan`, the vendored Leaflet and the page's own files under `/static`, and at `/` the
latest release's portal.

The graph files are loaded once, when the application is made (one copy per worker process).
The graph is the internal one (every operator, restricted ones included): it answers as journeys
and stops only, and no route serves its files.
"""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import quality
from regie.serve.api import api_router
from regie.serve.errors import ApiError, install_error_handlers
from regie.serve.pages import home_page, plan_page
from regie.serve.planning import LoadedGraph, load_graph
from regie.serve.settings import ServeSettings, settings_from_environment
from regie.serve.site import site_response

STATIC_DIR = Path(__file__).resolve().parent / "static"
LEAFLET_DIR = Path(quality.__file__).resolve().parent / "report" / "static" / "leaflet"  # vendored once, for every page
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response (a plain ASGI middleware: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: ServeSettings, loaded: LoadedGraph | None = None) -> FastAPI:
    """The application over `settings.graph_dir` (or an already loaded graph)."""
    loaded = loaded if loaded is not None else load_graph(settings.graph_dir, settings.planner)
    gc.freeze()  # the graph stays for the process's life: no collector pass walks it again
    app = FastAPI(title=settings.title, version="1", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="Journeys across every operator of the region: earliest arrival, arrive-by, "
                              "Pareto (arrival, transfers), range and isochrone queries; stop search by "
                              "name or coordinates. Errors: `{\"error\": {\"code\", \"message\"}}` "
                              "with a 4xx status.")
    app.state.loaded = loaded
    install_error_handlers(app)
    app.include_router(api_router(loaded, settings), prefix="/api")
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    app.mount("/static/planner", StaticFiles(directory=STATIC_DIR), name="planner")

    @app.get("/plan", response_class=HTMLResponse, include_in_schema=False)
    def plan() -> HTMLResponse:
        return HTMLResponse(plan_page(loaded, settings))

    @app.get("/{path:path}", include_in_schema=False)
    def site(path: str) -> Response:
        found = site_response(settings.site_dir, path)
        if found is not None:
            return found
        if path in ("", "index.html"):
            return HTMLResponse(home_page(settings))
        raise ApiError(404, "not_found", f"nothing at /{path[:200]}")

    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The uvicorn factory `regie serve` starts in each worker (settings in REGIE_SERVE_SETTINGS)."""
    return create_app(settings_from_environment())
