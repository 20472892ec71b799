"""The deployment files name images, modules, ports, settings and tags that exist in the project:
the Dockerfile, the Helm values for Dagster's chart, the planner's manifest, and the production
instance profile (which loads against a real PostgreSQL server when one is given)."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipelines.tags import FEED_HOST_TAG
from regie.store.paths import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
STANDARD_VARIABLES = {"DAGSTER_HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PYTHONDONTWRITEBYTECODE",
                      "PYTHONUNBUFFERED", "NUMBA_CACHE_DIR"}


def _yaml_documents(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def _dockerfile() -> str:
    return (PROJECT_ROOT / "Dockerfile").read_text()


def _project_reads(variable: str) -> bool:
    """Some module of the project reads this environment variable."""
    pattern = re.compile(rf"[\"']{variable}[\"']")
    return any(pattern.search(path.read_text()) for root in ("regie", "pipelines", "assets", "quality")
               for path in (PROJECT_ROOT / root).rglob("*.py"))


def _user_deployment() -> dict:
    values = _yaml_documents(DEPLOY / "helm" / "values.yaml")[0]
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    return deployment


def test_the_user_code_image_is_the_dockerfile_and_serves_the_code_location():
    dockerfile, deployment = _dockerfile(), _user_deployment()
    title = re.search(r'org\.opencontainers\.image\.title="([^"]+)"', dockerfile).group(1)
    assert deployment["image"]["repository"].rsplit("/", 1)[-1] == title
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert deployment["image"]["tag"] == project["project"]["version"]
    module = project["tool"]["dagster"]["module_name"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", module]
    assert f'"--module-name", "{module}"' in dockerfile
    exposed = {int(port) for line in re.findall(r"^EXPOSE (.+)$", dockerfile, re.M) for port in line.split()}
    assert deployment["port"] in exposed


def test_every_file_the_dockerfile_copies_exists():
    for line in re.findall(r"^COPY (.+)$", _dockerfile(), re.M):
        *sources, _target = line.split()
        for source in sources:
            assert (PROJECT_ROOT / source).exists(), source


def test_every_setting_named_in_the_deployment_is_one_the_project_reads():
    deployment = _user_deployment()
    planner = _yaml_documents(DEPLOY / "k8s" / "planner.yaml")[0]
    (container,) = planner["spec"]["template"]["spec"]["containers"]
    named = {item["name"] for item in deployment["env"]} | {item["name"] for item in container["env"]}
    named |= set(re.findall(r"^\s+([A-Z][A-Z0-9_]+)=", _dockerfile(), re.M))
    unknown = {name for name in named - STANDARD_VARIABLES if not _project_reads(name)}
    assert not unknown


def test_run_queue_limits_agree_with_the_production_profile_and_the_run_tags():
    values = _yaml_documents(DEPLOY / "helm" / "values.yaml")[0]
    queued = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    profile = _yaml_documents(DEPLOY / "dagster" / "dagster.production.yaml")[0]
    runs = profile["concurrency"]["runs"]
    assert queued["maxConcurrentRuns"] == runs["max_concurrent_runs"]
    assert queued["tagConcurrencyLimits"] == runs["tag_concurrency_limits"]
    assert {limit["key"] for limit in runs["tag_concurrency_limits"]} == {FEED_HOST_TAG}


def test_the_planner_manifest_runs_a_command_that_exists():
    from regie.cli.main import main

    planner = _yaml_documents(DEPLOY / "k8s" / "planner.yaml")[0]
    (container,) = planner["spec"]["template"]["spec"]["containers"]
    command = container["command"]
    assert command[:2] == ["regie", "serve"]
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    for option in (part for part in command[2:] if part.startswith("--")):
        assert option in help_text
    port = int(command[command.index("--port") + 1])
    assert container["ports"][0]["containerPort"] == port
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/health", "port": port}


@pytest.mark.postgres
def test_the_production_profile_loads_on_postgresql(tmp_path, monkeypatch):
    url = os.environ.get("REGIE_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests (REGIE_TEST_POSTGRES_URL)")
        pytest.skip("needs REGIE_TEST_POSTGRES_URL")
    from dagster import DagsterInstance

    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((DEPLOY / "dagster" / "dagster.production.yaml").read_text())
    monkeypatch.setenv("REGIE_DAGSTER_POSTGRES_URL", url.replace("postgresql+psycopg://", "postgresql+psycopg2://"))
    instance = DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_retries_enabled
    finally:
        instance.dispose()
