"""Reading `tiers.yaml` into `Tiers`, and the hash every fee statement records."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from regie.config.loader import load_model
from regie.fees.tiers.model import Tiers


def _yaml_names(message: str) -> str:
    """The YAML spells the lower bound `from` (a Python keyword, so the model field is `from_`)."""
    return re.sub(r"\bfrom_\b", "from", message)


def load_tiers(path: Path | str) -> Tiers:
    """Parse and validate `tiers.yaml`; raise ConfigError naming the file, the key (so the
    dimension) and the bracket."""
    return load_model(Path(path), Tiers, explain=_yaml_names)


def canonical_json(tiers: Tiers) -> str:
    """The model as JSON with sorted keys and no spaces: the same for any formatting of the YAML
    (comments, key order, `1500` vs `1500.0` vs `1_500`), different for any changed figure."""
    return json.dumps(
        tiers.model_dump(mode="json", by_alias=True),
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    )


def tiers_hash(path_or_tiers: Path | str | Tiers) -> str:
    """sha256 (hex) of `canonical_json` of the parsed tiers: recorded in every fee statement so
    anyone can check which brackets and amounts were applied."""
    tiers = path_or_tiers if isinstance(path_or_tiers, Tiers) else load_tiers(path_or_tiers)
    return hashlib.sha256(canonical_json(tiers).encode("utf-8")).hexdigest()
