"""Management commands of the gis app."""
