"""The assets app."""
