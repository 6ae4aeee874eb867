"""`qm gis …` commands."""
