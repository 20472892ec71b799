"""Test regions: configuration folders beside this module, and a pool built from one of them.

`bayarea/`: BART and Caltrain (open) and County Connection (restricted) from
`../shared/data/feeds/regional_bayarea/`, as of 2018-09-12. `built_region` integrates it (no
collection or validation: the feeds are read where they are) and builds its journey graphs into a
temporary data folder, once per test process.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from regie.config import load_region, load_registry
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.integrator import OperatorFeeds, integrate_region
from regie.integrate.outputs import write_integration
from regie.journeys.run import GRAPH_NAMES, build_region_graph
from regie.store.paths import Paths, sqlite_url

REGIONS_DIR = Path(__file__).resolve().parent


@cache
def built_region(name: str, feeds_dir: Path) -> Paths:
    """The region `name` integrated and its graphs built, in a data folder removed at exit."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"regie-{name}-"))
    atexit.register(shutil.rmtree, data_dir, True)
    paths = Paths(config_dir=REGIONS_DIR / name, data_dir=data_dir, database_url=sqlite_url(data_dir / "regie.db"))
    region = load_region(paths.region_file)
    registry = load_registry(paths.operators_file, env={"REGIE_TEST_FEEDS": str(feeds_dir)})
    inputs = [OperatorFeeds(operator, [read_feed_tables(Path(urlsplit(feed.url).path))], [f"test-{operator.id}"])
              for operator in registry.operators for feed in operator.feeds if feed.kind.is_static]
    write_integration(integrate_region(inputs, region), paths.integration_dir)
    for graph in GRAPH_NAMES:
        outcome = build_region_graph(paths, region, registry.operators, graph, snapshots={})
        assert outcome.built, outcome.reason
    return paths
