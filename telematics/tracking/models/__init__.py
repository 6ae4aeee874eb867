"""Tracking models: docking-station offload reports (more: positions, alerts, dead letters)."""
from .docks import DockOffload

__all__ = ["DockOffload"]
