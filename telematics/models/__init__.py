"""Vehicle files (一车一档), duty calendars and approved trips."""
from .calendar import DutySchedule, Holiday
from .trips import Trip
from .vehicles import Vehicle

__all__ = ["DutySchedule", "Holiday", "Trip", "Vehicle"]
