"""Dagster assets, one module per stage; each is a thin call into `regie` or `quality`."""
