"""The gis app."""
