"""`qm serve` and `qm demo`."""
