"""The simulators app."""
