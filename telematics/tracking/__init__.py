"""Position store, ingest pipeline, rules and alerts (app label `tracking`)."""
