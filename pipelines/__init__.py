"""Dagster wiring only: definitions, resources, partitions, jobs, schedules and sensors."""
