"""`/`: the latest release's site when there is one (looked up per request), else a page linking
to the planner; nothing outside the site, and never the internal graph's files."""

from __future__ import annotations

from fastapi.testclient import TestClient

from regie.serve.app import create_app


def test_home_links_to_the_planner_until_a_release_exists(client, bay_settings):
    site = bay_settings.site_dir
    assert site is not None and not site.exists()
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/plan"' in home.text and 'href="/api/docs"' in home.text
    assert "Content-Security-Policy" in home.text

    site.mkdir(parents=True)
    (site / "index.html").write_text("<!DOCTYPE html><title>portal</title><p>the portal</p>", encoding="utf-8")
    (site / "data").mkdir()
    (site / "data" / "stops.csv").write_text("stop_id\n1\n", encoding="utf-8")
    (site / ".hidden").write_text("secret", encoding="utf-8")
    try:
        assert "the portal" in client.get("/").text
        assert client.get("/data/stops.csv").headers["content-type"].startswith("text/csv")
        assert client.get("/data/").status_code == 404  # no listing, no index there
        assert client.get("/.hidden").status_code == 404
        for probe in ("/../regie.db", "/%2e%2e/%2e%2e/etc/passwd", "/data/..%2f..%2f..%2fetc/passwd", "/..%00"):
            assert client.get(probe).status_code == 404, probe
    finally:
        for path in (site / "data" / "stops.csv", site / ".hidden", site / "index.html"):
            path.unlink()
        (site / "data").rmdir()
        site.rmdir()


def test_the_internal_graph_files_are_never_served(client, bay_settings):
    graph_dir = bay_settings.graph_dir
    names = [path.name for path in graph_dir.iterdir()]
    assert "graph.json" in names
    for name in names:
        for prefix in ("/", "/static/", "/static/planner/", "/api/", "/journeys/internal/"):
            assert client.get(f"{prefix}{name}").status_code == 404, f"{prefix}{name}"


def test_security_headers_and_static_files(client):
    response = client.get("/static/leaflet/leaflet.js")
    assert response.status_code == 200 and len(response.content) > 100_000
    assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/static/planner/plan.js").status_code == 200


def test_without_a_graph_the_api_says_so(bay_settings, tmp_path):
    settings = bay_settings.model_copy(update={"graph_dir": tmp_path / "missing"})
    client = TestClient(create_app(settings))
    assert client.get("/api/health").json()["graph_loaded"] is False
    response = client.get("/api/journeys", params={"from": "a", "to": "b", "at": "2018-09-12T08:00"})
    assert response.status_code == 503 and "regie run" in response.json()["error"]["message"]
    assert client.get("/plan").status_code == 200
