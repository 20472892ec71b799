"""GTFS route types and mode names: the one mapping used by normalisation (extended → basic
route types), stop matching and transfers (mode of a stop) and the quality rules (speed limits).

Basic route types have a mode name each. Extended types (Google's 100–1702 hierarchy) map to a
basic type; where no basic type fits (air, self drive, miscellaneous) the mapping is approximate:
such a route is written as a bus (route_type 3, original kept) but has no mode name ("").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BASIC_ROUTE_TYPES: dict[int, str] = {0: "tram", 1: "metro", 2: "rail", 3: "bus", 4: "ferry", 5: "cable_tram",
                                     6: "aerial_lift", 7: "funicular", 11: "trolleybus", 12: "monorail"}
MODE_NAMES: tuple[str, ...] = tuple(BASIC_ROUTE_TYPES.values())
RAIL_BOUND = frozenset({"rail", "metro", "tram", "monorail", "funicular", "cable_tram"})

# (first, last, basic type, exact); the first matching range wins, exact codes before their hundred
EXTENDED_RANGES: tuple[tuple[int, int, int, bool], ...] = (
    (405, 405, 12, True),     # monorail
    (800, 899, 11, True),     # trolleybus
    (1400, 1499, 7, True),    # funicular
    (1701, 1701, 5, True),    # cable car (street-level, cable-drawn)
    (100, 199, 2, True),      # railway
    (200, 299, 3, True),      # coach
    (300, 399, 2, True),      # suburban railway
    (400, 499, 1, True),      # urban railway / metro
    (500, 699, 1, True),      # metro, underground
    (700, 799, 3, True),      # bus
    (900, 999, 0, True),      # tram
    (1000, 1099, 4, True),    # water transport
    (1100, 1199, 3, False),   # air service: no basic type
    (1200, 1299, 4, True),    # ferry
    (1300, 1399, 6, True),    # aerial lift
    (1500, 1599, 3, True),    # taxi: road vehicle
    (1600, 1699, 3, False),   # self drive
    (1700, 1799, 3, False),   # miscellaneous
)


def _codes(route_types: pd.Series | np.ndarray) -> np.ndarray:
    # numpy and pandas load on first use: the configuration imports MODE_NAMES, and `regie validate`
    # starts the canonical engine before pandas is loaded
    import numpy as np
    import pandas as pd

    return pd.to_numeric(pd.Series(np.asarray(route_types)), errors="coerce").to_numpy(dtype=float)


def extended_to_basic(route_types: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(basic type per value, -1 where the value is not an extended type; exact mapping mask)."""
    import numpy as np  # on first use (see _codes)

    codes = _codes(route_types)
    conditions = [(codes >= first) & (codes <= last) for first, last, _, _ in EXTENDED_RANGES]
    basic = np.select(conditions, [b for _, _, b, _ in EXTENDED_RANGES], default=-1)
    exact = np.select(conditions, [e for *_, e in EXTENDED_RANGES], default=True).astype(bool)
    return basic, exact


def mode_names(route_types: pd.Series | np.ndarray) -> np.ndarray:
    """Mode name of each route type, basic or extended ("" when unknown or only approximate)."""
    import numpy as np  # on first use (see _codes)

    codes = _codes(route_types)
    basic, exact = extended_to_basic(codes)
    basic = np.where(basic >= 0, basic, codes)
    names = np.full(len(codes), "", dtype=object)
    for code, name in BASIC_ROUTE_TYPES.items():
        names[(basic == code) & exact] = name
    return names


__all__ = ["BASIC_ROUTE_TYPES", "EXTENDED_RANGES", "MODE_NAMES", "RAIL_BOUND", "extended_to_basic", "mode_names"]
