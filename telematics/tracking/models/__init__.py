"""Tracking models: positions and legs, alerts and their reviews and cases, dead letters, dock offload reports."""
from .alerts import Alert, AlertReview, RuleCheckpoint
from .cases import AlertCase, AlertCaseAttachment, AlertCaseEvent
from .deadletters import DeadLetter
from .docks import DockOffload
from .positions import Leg, Position
from .privacy import FixHold, TrackAccess
from .rollups import VehicleDay

__all__ = ["Alert", "AlertCase", "AlertCaseAttachment", "AlertCaseEvent", "AlertReview", "DeadLetter", "DockOffload",
           "FixHold", "Leg", "Position", "RuleCheckpoint", "TrackAccess", "VehicleDay"]
