"""Benchmarks: `python -m bench NAME`; each prints ratios against a baseline measured in the same run."""
