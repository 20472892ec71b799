"""The fee brackets, `tiers.yaml`: what each operator pays a year, by bracket (tranche) of its
network size and ridership.

    tiers = load_tiers(Path("configs/tiers.yaml"))     # ConfigError naming file, key and bracket
    tiers_hash(tiers)                                  # sha256 of the canonical JSON of the model

The file has a currency (EUR), the platform's annual budget, named `dimensions` (each a metric and
its brackets), a `fee` rule over those dimensions (`matrix` or `base_plus_supplements`) and a
separate `bike_share` table for operators without timetables. Brackets are `[from, to)`: the lower
bound is inclusive, the upper exclusive, the last may be open (`to: null`). They must start at 0,
be listed in increasing order, touch without gap or overlap and have unique names; every amount a
rule needs must be given, and a larger figure never pays less (amounts are monotone).

Money: the YAML gives EUR (numbers, at most 2 decimals); every money field of these models
(`annual_budget`, matrix amounts, `base`, supplements, bike-share `amount`) holds integer cents.

Modules: `amounts` (EUR to cents, metric units, formatting), `brackets` (brackets, dimensions,
bike-share table), `model` (fee rules and `Tiers`), `loading` (`load_tiers`, `tiers_hash`).
"""
