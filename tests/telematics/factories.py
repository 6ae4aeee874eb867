"""Small builders for vehicle-file tests."""
import datetime as dt

from telematics import services


def make_vehicle(unit, plate="苏D·A0001", **fields):
    defaults = dict(seats=5, vin="LSVAB2BM5KN000001", vehicle_type="轿车", acquired=dt.date(2024, 3, 1),
                    insurance_expires=dt.date(2027, 3, 1), inspection_expires=dt.date(2027, 3, 1))
    defaults.update(fields)
    return services.vehicle_create(plate=plate, unit=unit, **defaults)
