"""The region's expectations: Great Expectations 1.x suites written as code, one per GTFS table.

- `suites`: the rules of each table's suite and the frame a suite reads.
- `gx_context`: the one GX context per process, and running a suite on a frame.
- `result_notices`: a failed expectation's GX result as a notice (source "expectations").
- `run`: `run_expectations(feed, bbox=..., thresholds=...)`, every suite whose table the feed has.
"""
