"""Cross-operator stop matching, interchange hubs and walking transfers (Dagster-free).

- `frame`: the combined stops frame (namespaced ids, modes) from operators' feed tables;
- `spatial`: pairs within a distance from a numpy grid index;
- `names`: name normalisation and similarity;
- `matching`: `candidate_pairs`, `score_pairs`, `match_stops` -> `MatchResult` (matches, review,
  hubs, re-parenting), `apply_hubs`;
- `overrides`: `configs/stop_matches.yaml` (force / deny pairs) as a typed model;
- `transfers`: `walking_transfers` -> GTFS transfers rows recording how each was computed.
"""

from regie.integrate.stops.frame import combined_stops, operator_stops, operator_transfers
from regie.integrate.stops.matching import MatchResult, apply_hubs, candidate_pairs, match_stops, score_pairs
from regie.integrate.stops.names import name_similarity, normalise_name
from regie.integrate.stops.overrides import StopMatchOverrides, StopPair, load_stop_matches
from regie.integrate.stops.transfers import walking_transfers

__all__ = ["MatchResult", "StopMatchOverrides", "StopPair", "apply_hubs", "candidate_pairs", "combined_stops",
           "load_stop_matches", "match_stops", "name_similarity", "normalise_name", "operator_stops",
           "operator_transfers", "score_pairs", "walking_transfers"]
