"""Collection overhead: our collect path against a plain download of the same bytes.

Baseline B: best of 3 `requests` downloads of every real feed zip (large/ and regional_bayarea/)
from a loopback server, streamed to disk with a SHA-256, nothing else. Ours, best of 3 each:
- new: fetch, member-level content hash, atomic archive, catalogue rows (fresh catalogue);
- unchanged: the same content downloaded again (no validators) and recognised as known;
- not_modified: a conditional GET answered 304.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import requests

from bench.common import best_of, feeds_dir
from regie.collect.collector import Collector
from regie.collect.fetch import AddressPolicy, HttpFeedClient
from regie.collect.snapshots import SnapshotStore
from regie.config.operators import Registry
from regie.config.region import CollectionSettings
from regie.demo.server import FeedServer
from regie.store.archive import Archive
from regie.store.catalogue import Catalogue


def _download_all(urls: list[str], folder: Path) -> None:
    with requests.Session() as session:
        for index, url in enumerate(urls):
            digest = hashlib.sha256()
            with session.get(url, stream=True, timeout=(5, 60)) as response, open(folder / f"{index}.zip", "wb") as out:
                response.raise_for_status()
                for chunk in response.iter_content(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)


def run() -> dict:
    source = feeds_dir()
    zips = sorted((source / "large").glob("*.zip")) + sorted((source / "regional_bayarea").glob("*.zip"))
    work = Path(tempfile.mkdtemp(prefix="regie-bench-collect-"))
    served = work / "served"
    served.mkdir()
    for path in zips:
        shutil.copy(path, served / path.name)
    total_bytes = sum(path.stat().st_size for path in zips)
    server = FeedServer(served).start()
    try:
        urls = [f"{server.base_url}/{path.name}" for path in zips]
        registry = Registry.model_validate({"operators": [
            {"id": f"op{i}", "name": f"op{i}", "modes": ["bus"], "contact": "x@example.org", "licence": "CC0-1.0",
             "openness": "open", "member_from": "2024-01-01", "feeds": [{"id": "gtfs", "kind": "gtfs", "url": url}]}
            for i, url in enumerate(urls)]})
        downloads = work / "downloads"
        downloads.mkdir()
        baseline = best_of(3, lambda: _download_all(urls, downloads))

        state: dict = {}

        def fresh() -> None:
            if "catalogue" in state:
                state["catalogue"].dispose()
            shutil.rmtree(work / "pool", ignore_errors=True)
            state["catalogue"] = Catalogue.open(f"sqlite:///{work / 'pool' / 'regie.db'}")
            state["collector"] = Collector(
                client=HttpFeedClient(retries=0, policy=AddressPolicy(allow_loopback=True)), catalogue=state["catalogue"],
                archive=Archive(work / "pool" / "archive"), snapshots=SnapshotStore(work / "pool" / "snapshots"),
                settings=CollectionSettings(retries=0),
            )

        def collect_all() -> list:
            return [state["collector"].collect_operator(op) for op in registry.operators]

        new_s = best_of(3, collect_all, setup=fresh)
        not_modified_s = best_of(3, collect_all)

        def forget_validators() -> None:
            with state["catalogue"].engine.begin() as connection:
                connection.exec_driver_sql("UPDATE fetches SET etag = NULL, last_modified = NULL")

        unchanged_s = best_of(3, collect_all, setup=forget_validators)
        outcomes = sorted({feed.outcome.value for result in collect_all() for feed in result.feeds})
        state["catalogue"].dispose()
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"{len(zips)} feeds, {total_bytes / 1e6:.1f} MB over loopback")
    print(f"plain download + sha256 (baseline): {baseline:.3f} s")
    print(f"collect, new versions:              {new_s:.3f} s  ({new_s / baseline:.2f}x)")
    print(f"collect, unchanged content:         {unchanged_s:.3f} s  ({unchanged_s / baseline:.2f}x)")
    print(f"collect, 304 not modified:          {not_modified_s:.3f} s  ({not_modified_s / baseline:.2f}x)")
    return {
        "feeds": len(zips),
        "bytes": total_bytes,
        "download_s": round(baseline, 4),
        "collect_new_s": round(new_s, 4),
        "collect_unchanged_s": round(unchanged_s, 4),
        "collect_not_modified_s": round(not_modified_s, 4),
        "ratio_new_to_download": round(new_s / baseline, 3),
        "ratio_unchanged_to_download": round(unchanged_s / baseline, 3),
        "ratio_not_modified_to_download": round(not_modified_s / baseline, 3),
        "last_outcomes": outcomes,
    }
