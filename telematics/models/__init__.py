"""Vehicle files (一车一档), duty calendars and approved trips."""
from .calendar import DutySchedule, Holiday
from .trips import Trip
from .vehicles import (
    Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Vehicle, VehicleHistory, VehiclePhoto,
    VehicleSeal,
)

__all__ = ["DutySchedule", "Holiday", "Inspection", "InsurancePolicy", "MaintenanceRecord", "TerminalBinding",
           "Trip", "Vehicle", "VehicleHistory", "VehiclePhoto", "VehicleSeal"]
