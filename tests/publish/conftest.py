"""A pool's data directory as the publish stage finds it, built once per session from the demo
region: the integrator's outputs (normalised operator feeds, the open regional feed and its
operators.csv), a quality report per operator version in force and fee statements (the
restricted operator's included, to prove they are never read), and a GBFS snapshot of the bike
share."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from regie.config import Registry, load_registry
from regie.config.region import Region, load_region
from regie.demo import generate_demo_region
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.integrator import OperatorFeeds, integrate_region
from regie.integrate.outputs import write_integration
from regie.store.paths import PROJECT_ROOT

AS_OF = "2026-03-02"
RESTRICTED = "mugabus"


def demo_region() -> Region:
    return load_region(PROJECT_ROOT / "configs" / "region.yaml", as_of=AS_OF)


def demo_registry() -> Registry:
    return load_registry(PROJECT_ROOT / "configs" / "operators.yaml", env={})


def _fake_report(folder: Path, operator_id: str, score: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nav = '<nav class="page-nav" aria-label="Pages"><a href="../../../index.html">Overview</a></nav>'
    head = f'<!DOCTYPE html><link rel="icon" href="data:,"><title>{operator_id}</title>'
    (folder / "report.html").write_text(f'{head}{nav}<p>{operator_id}</p><a href="report.json">JSON</a>',
                                        encoding="utf-8")
    (folder / "report.json").write_text(json.dumps({"summary": {"score": {"total": score},
                                                                "feed": {"operator": operator_id}}}),
                                        encoding="utf-8")


def rename_first_stop(data_dir: Path, name: str) -> str:
    """Give the open regional feed's first stop another name (as the next integration would
    write it); returns the stop's id."""
    path = data_dir / "integration" / "open" / "regional.zip"
    with zipfile.ZipFile(path) as archive:
        members = {member: archive.read(member) for member in archive.namelist()}
    lines = members["stops.txt"].decode().splitlines()
    header, fields = lines[0].split(","), lines[1].split(",")
    fields[header.index("stop_name")] = '"' + name.replace('"', '""') + '"'
    lines[1] = ",".join(fields)
    members["stops.txt"] = ("\n".join(lines) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    path.write_bytes(buffer.getvalue())
    return fields[header.index("stop_id")]


@pytest.fixture(scope="session")
def published_pool_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only data directory; copy it (`pool_data_dir`) before publishing into it."""
    feeds = tmp_path_factory.mktemp("publish-demo-feeds")
    data = tmp_path_factory.mktemp("publish-demo-data")
    region, registry = demo_region(), demo_registry()
    generate_demo_region(feeds, start=region.as_of, mugabus_defects=False)
    inputs = []
    for op in registry.operators:
        paths = [feeds / f"{op.id}.zip"] if any(feed.kind.is_static for feed in op.feeds) else []
        inputs.append(OperatorFeeds(op, [read_feed_tables(p) for p in paths], [f"v-{op.id}"] * len(paths),
                                    [feed.id for feed in op.feeds if feed.kind.is_static]))
    write_integration(integrate_region(inputs, region), data / "integration")
    for score, op in enumerate(registry.operators):
        folder = data / "integration" / "normalised" / op.id
        if folder.is_dir():
            (folder / "source.json").write_text(json.dumps({"operator_id": op.id, "versions": [f"v-{op.id}"],
                                                            "feed_ids": ["gtfs"]}), encoding="utf-8")
            _fake_report(data / "reports" / op.id / "gtfs" / f"v-{op.id}", op.id, 80.0 + score)
    _fake_report(data / "reports" / "_region" / "open", "open regional feed", 91.5)
    fees = data / "fees" / "2026"
    fees.mkdir(parents=True)
    for name in ("kosta-rail", RESTRICTED, "summary"):
        (fees / f"{name}.json").write_text(json.dumps({"operator": name, "amount_eur": 1500}), encoding="utf-8")
    snapshot = data / "snapshots" / "bizi" / "gbfs" / "20260302T040000Z"
    shutil.copytree(feeds / "bizi", snapshot)
    return data


@pytest.fixture
def pool_data_dir(published_pool_source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(published_pool_source, target)
    return target
