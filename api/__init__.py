"""The api app."""
