"""Costs: network size figures of each operator's accepted feed, brackets and integration fees."""
