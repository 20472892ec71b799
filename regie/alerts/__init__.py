"""Alerts: what a person must act on (a failed run, a failed check), posted to the region's
webhook and kept in the catalogue. Dagster-free; the sensors in pipelines/alerts.py feed it."""
