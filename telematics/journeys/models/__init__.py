"""Models of journeys."""
from .late_orders import LateOrder

__all__ = ["LateOrder"]
