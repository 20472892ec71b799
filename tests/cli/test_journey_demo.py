"""The journey `regie demo` prints: on the demo region's internal graph (its feeds integrated as
the pipeline does, Bizi's GBFS folder as the latest snapshot), rail of Kosta Rail then a Bizi
shared bike: two modes of two operators."""

from __future__ import annotations

from datetime import date

from regie.cli.journey import print_demo_journey
from regie.config import load_region, load_registry
from regie.demo import generate_demo_region
from regie.gtfs.feed_tables import read_feed_tables
from regie.integrate.integrator import OperatorFeeds, integrate_region
from regie.integrate.outputs import write_integration
from regie.journeys.run import build_region_graph
from regie.store.paths import PROJECT_ROOT, Paths, sqlite_url

START = date(2026, 11, 24)  # a Tuesday


def test_the_demo_prints_a_journey_by_rail_then_shared_bike(tmp_path, capsys):
    feeds = tmp_path / "feeds"
    generate_demo_region(feeds, start=START, mugabus_defects=False)
    paths = Paths(PROJECT_ROOT / "configs", tmp_path / "data", sqlite_url(tmp_path / "regie.db"))
    region = load_region(paths.region_file, as_of=START)
    registry = load_registry(paths.operators_file, env={})
    inputs = [OperatorFeeds(operator, [read_feed_tables(feeds / f"{operator.id}.zip")], [f"demo-{operator.id}"])
              for operator in registry.operators if (feeds / f"{operator.id}.zip").is_file()]
    write_integration(integrate_region(inputs, region), paths.integration_dir)
    outcome = build_region_graph(paths, region, registry.operators, "internal", {"bizi": feeds / "bizi"})
    assert outcome.built and outcome.bike_operators == ("bizi",)

    assert print_demo_journey(paths)
    legs = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    rail = [line for line in legs if " rail " in line]
    bike = [line for line in legs if " bike " in line]
    assert rail and "Kosta Rail" in rail[0]
    assert bike and "(Bizi" in bike[0]
    assert legs.index(rail[0]) < legs.index(bike[0])
