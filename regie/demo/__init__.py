"""The demo region: Régie's embedded default, a fictional pool along the real
Bayonne – Hendaye/Irun – Donostia corridor, generated deterministically by its own code.

`generate_demo_region(out_dir, start=...)` writes the four GTFS zips and the GBFS folder that
`configs/operators.yaml` points at (written with the core's deterministic `regie.gtfs.zip_writer`).
"""

from regie.demo.defects import MUGABUS_DEFECTS, Defect
from regie.demo.generator import DemoManifest, FeedCounts, WrittenFile, generate_demo_region
from regie.demo.network import INTERCHANGES, WALK_LINKS

__all__ = [
    "INTERCHANGES",
    "MUGABUS_DEFECTS",
    "WALK_LINKS",
    "DemoManifest",
    "Defect",
    "FeedCounts",
    "WrittenFile",
    "generate_demo_region",
]
