"""Régie: the Dagster-free domain library of the regional mobility data pool."""

__version__ = "0.1.0"
