"""Small builders for vehicle-file tests."""
import datetime as dt

from django.utils import timezone

from telematics import services


def make_vehicle(unit, plate="苏D·A0001", **fields):
    # Insurance and inspection valid for the coming year from the day the test runs: the vehicle lists' expiry
    # warnings (30 days ahead) never show a factory vehicle unless a test dates it so.
    in_a_year = timezone.localdate() + dt.timedelta(days=365)
    defaults = dict(seats=5, vin="LSVAB2BM5KN000001", vehicle_type="轿车", acquired=dt.date(2024, 3, 1),
                    insurance_expires=in_a_year, inspection_expires=in_a_year)
    defaults.update(fields)
    return services.vehicle_create(plate=plate, unit=unit, **defaults)
