"""`qm trips {PLATE|TERMINAL} [--from DATETIME] [--to DATETIME] [--format json|csv|xlsx] [--output FILE]`: the trips
detected from the stored fixes, in time order, each classed against the vehicle's approved trips (派车单)."""
from django.core.management.base import BaseCommand, CommandError

from quartermaster.errors import DomainError
from telematics.journeys.cli import add_period_arguments, language, write_output
from telematics.journeys.render import FORMATS, render
from telematics.journeys.selectors import vehicle_journeys
from telematics.journeys.track import parse_moment, resolve_subject


class Command(BaseCommand):
    help = ("Trips of a vehicle (or terminal) detected from its fixes, each with its class: matched, overtime, "
            "off_route, duty, no_order. JSON: a list; XLSX adds the stops and the unused approved trips.")

    def add_arguments(self, parser):
        parser.add_argument("subject", metavar="PLATE|TERMINAL")
        add_period_arguments(parser)
        parser.add_argument("--format", default="json", choices=FORMATS)
        parser.add_argument("--lang", help="language of XLSX headers and class names: zh (default) or en "
                                           "(else QM_LANGUAGE)")

    def handle(self, *args, **opts):
        try:
            subject = resolve_subject(opts["subject"])
            start = parse_moment(opts["start"], what="from")
            end = parse_moment(opts["end"], end=True, what="to")
            with language(opts["lang"]):
                body = render(vehicle_journeys(subject, start, end), opts["format"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        write_output(self, body, opts["output"])
