"""`qm rollup [--from DATE] [--to DATE] [--trips]`: recomputes the daily rollups of those days from the legs (the
table where it is kept, the TimescaleDB aggregate refreshed where there is one) and, with --trips, counts each
vehicle's trips of the days that are over, so the summary report reads them instead of the fixes; counting stores
each finished vehicle-day's detected trips (journeys.stored) for the trips and stops reports, and --trips also
re-detects (and re-counts) the stored vehicle-days a late fix made dirty, whatever their date. Run it nightly (cron)
with --trips; the default period is the three days up to yesterday."""
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django.utils import timezone

from quartermaster.errors import DomainError
from telematics.journeys import stored
from telematics.models import Vehicle
from telematics.reports.selectors import count_trips, parse_day
from telematics.tracking import rollups


class Command(BaseCommand):
    help = "Recompute the daily rollups from the legs (and count the trips of finished days)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", help="first local day (default: three days before --to)")
        parser.add_argument("--to", dest="end", help="last local day, included (default: yesterday)")
        parser.add_argument("--trips", action="store_true", help="also count the trips of each finished day")

    def handle(self, *args, start=None, end=None, trips=False, **options):
        today = timezone.localdate()
        try:
            last = parse_day(end, "to") if end else today - dt.timedelta(days=1)
            first = parse_day(start, "from") if start else last - dt.timedelta(days=2)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if last < first:
            raise CommandError(gettext("--to 不能早于 --from"))
        written = rollups.rollup_rebuild(start=first, end=last)
        counted = redone = 0
        if trips:
            vehicles = list(Vehicle.objects.select_related("unit").order_by("pk"))
            day = first
            while day <= last and day < today:
                rollups.rollup_trips(day=day, counts=count_trips(vehicles, day))
                counted += 1
                day += dt.timedelta(days=1)
            redone = self._dirty()
        self.stdout.write(f"rollups {first}..{last}: {written} table rows, trips counted for {counted} days "
                          f"(source: {rollups.source()}), {redone} dirty vehicle-days re-detected")

    @staticmethod
    def _dirty() -> int:
        """The dirty stored vehicle-days detected again, and their trips counted again where the day is finished."""
        redone = 0
        dirty = stored.dirty_days()
        vehicles = Vehicle.objects.select_related("unit").in_bulk(list(dirty))
        for vehicle_id, days in dirty.items():
            vehicle = vehicles.get(vehicle_id)
            if vehicle is None:
                continue
            for day in days:
                found = stored.vehicle_days(vehicle, day, day)[day]
                if stored.finished(day):
                    rollups.rollup_trips(day=day, counts={vehicle_id: len(stored.own_journeys(day, found))})
                redone += 1
        return redone
