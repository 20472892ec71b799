"""What every page of the pool shares: one HTML base template and its Jinja environment, JSON encoding, safe links."""
