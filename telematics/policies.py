"""Who may touch vehicle files, calendars and trips (assets.access policies, registered when the app is ready)."""
from assets.access import FLEET, Policy

_FLEET = (FLEET,)
_VEHICLE_RECORD = Policy("vehicle__unit", write=_FLEET)
_VEHICLE_HISTORY = Policy("vehicle__unit")  # written by the vehicle services as a side effect, never by hand

POLICIES = {
    "telematics.Vehicle": Policy("unit", write=_FLEET),
    "telematics.VehicleHistory": _VEHICLE_HISTORY,
    "telematics.TerminalBinding": _VEHICLE_HISTORY,
    "telematics.MaintenanceRecord": _VEHICLE_RECORD,
    "telematics.InsurancePolicy": _VEHICLE_RECORD,
    "telematics.Inspection": _VEHICLE_RECORD,
    "telematics.Trip": _VEHICLE_RECORD,
    "telematics.VehicleSeal": _VEHICLE_RECORD,
    "telematics.VehicleCost": _VEHICLE_RECORD,
    "telematics.OdometerReading": _VEHICLE_RECORD,
    "telematics.VehiclePhoto": _VEHICLE_RECORD,
    "telematics.DutySchedule": Policy("unit", write=_FLEET),
    "telematics.Holiday": Policy(None, write=_FLEET, bureau_wide=True),
}

# Rows whose own unit places what refers to them (see assets.access.ANCHORS).
ANCHORS = {"telematics.Vehicle": "unit"}
