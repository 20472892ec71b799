"""Finding stops: by name (case, accents, punctuation and stop words ignored; names from
translations.txt matched too; whole-token and prefix matches, ranked) and by coordinates (the
nearest stops within a distance, from a latitude-sorted index: a band search, not a scan)."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from regie.gtfs.geo import EARTH_RADIUS_M, haversine_m
from regie.journeys.graph import JourneyGraph

STOP_WORDS = frozenset({
    "the", "of", "and", "at", "on",  # en
    "de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux",  # fr
    "del", "el", "los", "las", "y", "en",  # es
    "eta",  # eu
})
STATION = 2
_SEPARATORS = re.compile(r"[^\w]+")


def normalise(text: str) -> list[str]:
    """Lower-case tokens without accents, punctuation or stop words ("Gare d'Hendaye" → gare, hendaye)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    tokens = [t for t in _SEPARATORS.split(plain) if t and t != "_"]
    kept = [t for t in tokens if t not in STOP_WORDS]
    return kept or tokens


@dataclass(frozen=True)
class StopMatch:
    index: int
    stop_id: str
    name: str
    matched: str  # the name (or translation) that matched
    lat: float
    lon: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"stop_index": self.index, "stop_id": self.stop_id, "name": self.name, "matched": self.matched,
                "lat": self.lat, "lon": self.lon, "score": round(self.score, 3)}


class StopFinder:
    """`translations`: the regional feed's translations.txt (frame), or {stop_id: [names]}."""

    def __init__(self, graph: JourneyGraph, translations: pd.DataFrame | Mapping[str, Iterable[str]] | None = None
                 ) -> None:
        self.graph = graph
        names: list[tuple[int, str]] = [(i, str(n)) for i, n in enumerate(graph.stop_names)]
        names += self._translated(translations)
        self._names = names
        self._tokens = [normalise(name) for _, name in names]
        index: dict[str, list[int]] = {}
        for entry, tokens in enumerate(self._tokens):
            for token in set(tokens):
                index.setdefault(token, []).append(entry)
        self._vocabulary = sorted(index)
        self._postings = index
        self._by_lat = np.argsort(graph.stop_lat, kind="stable")
        self._sorted_lat = np.asarray(graph.stop_lat, dtype=np.float64)[self._by_lat]

    def _translated(self, translations: pd.DataFrame | Mapping[str, Iterable[str]] | None) -> list[tuple[int, str]]:
        if translations is None:
            return []
        position = {str(s): i for i, s in enumerate(self.graph.stop_ids)}
        out: list[tuple[int, str]] = []
        if isinstance(translations, Mapping):
            for stop_id, values in translations.items():
                if stop_id in position:
                    out += [(position[stop_id], str(v)) for v in values]
            return out
        frame = translations.fillna("").astype(str)
        if "translation" not in frame:
            return []
        rows = frame[(frame.get("table_name", "stops") == "stops") & (frame.get("field_name", "stop_name") == "stop_name")]
        by_name: dict[str, list[int]] = {}
        for i, name in enumerate(self.graph.stop_names):
            by_name.setdefault(str(name), []).append(i)
        for row in rows.itertuples(index=False):
            record = getattr(row, "record_id", "")
            if record and record in position:
                out.append((position[record], row.translation))
            elif getattr(row, "field_value", ""):
                out += [(i, row.translation) for i in by_name.get(row.field_value, [])]
        return out

    def by_name(self, query: str, limit: int = 10) -> list[StopMatch]:
        """Stops whose name has every query token as a token or a token prefix; ranked by exact
        name, whole tokens, fewer extra tokens, stations before their stops; a station ranks as its
        best-matching stop."""
        wanted = normalise(query)
        if not wanted or limit <= 0:
            return []
        candidates: set[int] | None = None
        for token in wanted:
            hits: set[int] = set()
            at = bisect.bisect_left(self._vocabulary, token)
            while at < len(self._vocabulary) and self._vocabulary[at].startswith(token):
                hits.update(self._postings[self._vocabulary[at]])
                at += 1
            candidates = hits if candidates is None else candidates & hits
            if not candidates:
                return []
        assert candidates is not None
        best: dict[int, tuple[float, str]] = {}
        for entry in candidates:
            stop, name = self._names[entry]
            tokens = self._tokens[entry]
            whole = sum(1 for t in wanted if t in tokens)
            score = (2.0 if tokens == wanted else 0.0) + whole / len(wanted) - 0.05 * (len(tokens) - len(wanted))
            score += 0.5 if tokens[: len(wanted)] == wanted else 0.0
            score += 0.25 if self.graph.stop_kind[stop] == STATION else 0.0
            if stop not in best or score > best[stop][0]:
                best[stop] = (score, name)
        # a station ranks as its best-matching stop ("Concord" finds the station "BART Concord" through
        # its platform "Concord"), and a stop whose station is found is shown through its station
        for stop, (score, name) in list(best.items()):
            parent = int(self.graph.stop_parent[stop])
            if parent >= 0 and (parent not in best or score > best[parent][0]):
                best[parent] = (score, name)
        shown = [s for s in best if not (self.graph.stop_parent[s] >= 0 and int(self.graph.stop_parent[s]) in best)]
        shown.sort(key=lambda s: (-best[s][0], str(self.graph.stop_names[s]), s))
        g = self.graph
        return [StopMatch(s, str(g.stop_ids[s]), str(g.stop_names[s]), best[s][1], float(g.stop_lat[s]),
                          float(g.stop_lon[s]), best[s][0]) for s in shown[:limit]]

    def near(self, lat: float, lon: float, max_m: float, *, boardable_only: bool = True) -> list[tuple[int, float]]:
        """(stop index, metres) of the stops within `max_m` of the point, nearest first (stations,
        which are not boardable, left out unless `boardable_only` is False)."""
        band = max_m / EARTH_RADIUS_M * 180.0 / np.pi
        lo, hi = np.searchsorted(self._sorted_lat, [lat - band, lat + band])
        chosen = self._by_lat[lo:hi]
        if boardable_only:
            chosen = chosen[self.graph.stop_kind[chosen] != STATION]
        metres = haversine_m(lat, lon, self.graph.stop_lat[chosen], self.graph.stop_lon[chosen])
        keep = metres <= max_m
        chosen, metres = chosen[keep], metres[keep]
        order = np.argsort(metres, kind="stable")
        return [(int(chosen[i]), float(metres[i])) for i in order]
