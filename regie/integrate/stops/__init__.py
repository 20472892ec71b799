"""Cross-operator stop matching, interchange hubs and walking transfers (Dagster-free).

- `frame`: the combined stops frame (namespaced ids, modes) from operators' feed tables;
- `spatial`: pairs within a distance from a numpy grid index;
- `names`: name normalisation and similarity;
- `matching`: `candidate_pairs`, `score_pairs`, `match_stops` -> `MatchResult` (matches, review,
  hubs, re-parenting), `apply_hubs`;
- `overrides`: `configs/stop_matches.yaml` (force / deny pairs) as a typed model;
- `transfers`: `walking_transfers` -> GTFS transfers rows recording how each was computed.
"""
