"""The integrate stage: each operator normalised (`normalise/`), stops matched across operators
(`stops/`), the regional feeds merged (`merge/`) and checked across operators (`checks/`);
`integrator` runs it over normalised feeds, `run` over the pool."""
