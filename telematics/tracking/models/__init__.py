"""Tracking models: positions and legs, alerts and their reviews, dead letters, dock offload reports."""
from .alerts import Alert, AlertReview, RuleCheckpoint
from .deadletters import DeadLetter
from .docks import DockOffload
from .positions import Leg, Position
from .rollups import VehicleDay

__all__ = ["Alert", "AlertReview", "DeadLetter", "DockOffload", "Leg", "Position", "RuleCheckpoint", "VehicleDay"]
