"""Vehicle files (一车一档), duty calendars and approved trips."""
from .calendar import DutySchedule, Holiday
from .costs import OdometerReading, VehicleCost
from .trips import Trip
from .vehicles import (
    Inspection, InsurancePolicy, MaintenanceRecord, TerminalBinding, Vehicle, VehicleHistory, VehiclePhoto,
    VehicleSeal,
)

__all__ = ["DutySchedule", "Holiday", "Inspection", "InsurancePolicy", "MaintenanceRecord", "OdometerReading",
           "TerminalBinding", "Trip", "Vehicle", "VehicleCost", "VehicleHistory", "VehiclePhoto", "VehicleSeal"]
