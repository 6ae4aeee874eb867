"""Tracks and journeys of a vehicle from the position store: export of the fixes (JSON, CSV, GPX), trips and stops
detected from them, and each trip classed against the vehicle's approved trips (派车单)."""
