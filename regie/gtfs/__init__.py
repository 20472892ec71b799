"""The GTFS core: pure functions over feed tables, importing nothing else of the project.

Nothing is imported here, so that the engine worker can use the stdlib-only modules (`atomic`,
`members`) without loading pandas or pyarrow."""
