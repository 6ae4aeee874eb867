"""`qm track {PLATE|TERMINAL} [--from DATETIME] [--to DATETIME] [--format json|csv|gpx] [--output FILE]`: the fixes
in time order (WGS-84); a plate follows the vehicle's terminal bindings over time."""
from django.core.management.base import BaseCommand, CommandError

from quartermaster.errors import DomainError
from telematics.journeys.cli import add_period_arguments, write_output
from telematics.journeys.track import FORMATS, parse_moment, render_track, resolve_subject, track_fixes


class Command(BaseCommand):
    help = "A vehicle's or a terminal's track: JSON (a list of fixes), CSV or GPX 1.1."

    def add_arguments(self, parser):
        parser.add_argument("subject", metavar="PLATE|TERMINAL")
        add_period_arguments(parser)
        parser.add_argument("--format", default="json", choices=FORMATS)

    def handle(self, *args, **opts):
        try:
            subject = resolve_subject(opts["subject"])
            start = parse_moment(opts["start"], what="from")
            end = parse_moment(opts["end"], end=True, what="to")
            body = render_track(track_fixes(subject, start, end), opts["format"], subject.label)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        write_output(self, body, opts["output"])
