"""Models of journeys."""
from .late_orders import LateOrder
from .trip_days import TripDay

__all__ = ["LateOrder", "TripDay"]
