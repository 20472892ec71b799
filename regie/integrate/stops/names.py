"""Stop-name normalisation and similarity for cross-operator matching.

`normalise_name` lower-cases, strips accents (NFKD), turns punctuation into spaces and removes
stop words: generic words for a station or platform in the region's languages ("station", "gare",
"estación", "geltokia", "bay", "platform", "quai", "andén", ...), operator names that stop names
carry ("bart", "caltrain", ...) and any extra words given (the tokens of every operator id in the
frame are added by the matcher). "BART Concord" and "Concord" both become "concord".

`name_similarity` is in [0, 1]: the larger of the token overlap (fuzzy token equality: equal, one a
prefix of the other of at least 4 letters, or a character ratio >= 0.85; divided by the smaller
token count, so "Pleasant Hill/Contra Costa Centre" vs "Pleasant Hill" is 1.0) and the character
ratio r of the whole normalised names (difflib) rescaled as max(0, 2r - 1), since unrelated names
already reach r ~ 0.4. NaN when either name is empty after normalisation:
nothing to compare, the matcher then scores the name as neutral.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
import pandas as pd

STOP_WORDS: frozenset[str] = frozenset({
    # a station, a stop, a platform, in English, French, Spanish, Basque
    "station", "stn", "sta", "stop", "halt", "the", "bay", "platform", "platforms", "track",
    "gare", "arret", "quai", "voie", "de", "du", "des", "la", "le", "les", "l", "d",
    "estacion", "parada", "anden", "apeadero", "del", "el", "los", "las",
    "geltokia", "geltoki", "nasa",
    "transit", "center", "centre", "tc",
    # operator names that appear in stop names
    "bart", "caltrain", "amtrak", "renfe", "sncf", "euskotren", "bizkaibus", "bilbobus", "metro",
})

_PUNCTUATION = re.compile(r"[^0-9a-z]+")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_tokens(name: str, stop_words: Iterable[str] = STOP_WORDS) -> tuple[str, ...]:
    """The meaningful tokens of a name, in order (see module docstring)."""
    words = frozenset(stop_words)
    text = _PUNCTUATION.sub(" ", _strip_accents(str(name or "")).lower())
    return tuple(token for token in text.split() if token not in words)


def normalise_name(name: str, stop_words: Iterable[str] = STOP_WORDS) -> str:
    """"Millbrae BART" -> "millbrae"; "Gare d'Hendaye" -> "hendaye"."""
    return " ".join(name_tokens(name, stop_words))


def normalise_names(names: pd.Series, stop_words: Iterable[str] = STOP_WORDS) -> pd.Series:
    """`normalise_name` over a column, computed once per distinct name."""
    words = frozenset(stop_words)
    unique = pd.unique(names.fillna("").astype(str))
    mapping = {name: normalise_name(name, words) for name in unique}
    return names.fillna("").astype(str).map(mapping).astype("str")


def _tokens_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 4 and long.startswith(short):
        return True
    return min(len(a), len(b)) >= 4 and SequenceMatcher(None, a, b).ratio() >= 0.85


@lru_cache(maxsize=65_536)
def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return float("nan")
    if a == b:
        return 1.0
    tokens_a, tokens_b = a.split(), b.split()
    matched = sum(any(_tokens_equal(t, u) for u in tokens_b) for t in tokens_a)
    matched = min(matched, sum(any(_tokens_equal(u, t) for t in tokens_a) for u in tokens_b))
    overlap = matched / min(len(tokens_a), len(tokens_b))
    ratio = SequenceMatcher(None, a, b).ratio()
    return max(overlap, max(0.0, 2.0 * ratio - 1.0))


def name_similarity(a: str, b: str) -> float:
    """Similarity of two already normalised names (see module docstring)."""
    return _similarity(a, b)


def name_similarities(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise similarity of two aligned columns of normalised names, once per distinct pair."""
    frame = pd.DataFrame({"a": a.to_numpy(dtype=object), "b": b.to_numpy(dtype=object)})
    unique = frame.drop_duplicates()
    scores = [_similarity(x, y) for x, y in zip(unique["a"], unique["b"], strict=True)]
    unique = unique.assign(score=scores)
    return frame.merge(unique, on=["a", "b"], how="left")["score"].to_numpy(dtype=float)
