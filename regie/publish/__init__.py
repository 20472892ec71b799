"""Publishing: versioned open-data releases of the pool (feeds, tables, GeoJSON, graph files,
reports), their licences and attribution, a mobilityDCAT-AP catalogue, a static download portal
and the SQL database of the release's tables. Only open operators' data is ever read into a release."""
