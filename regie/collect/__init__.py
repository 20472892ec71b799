"""The collect stage: fetch every feed (HTTP or local files), archive new static versions, keep
GBFS and GTFS-RT snapshots, and record every fetch in the catalogue."""
