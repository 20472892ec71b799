"""The size figures a fee is computed on: `network.network_metrics` for an operator's accepted GTFS
feed (its trips, stop_times, lengths and peak in `trips`, `stop_times`, `lengths`, `peak`) and
`bike_share.bike_share_size` for a GBFS snapshot."""
