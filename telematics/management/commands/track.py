"""`qm track {PLATE|TERMINAL} [--from DATETIME] [--to DATETIME] [--format json|csv|gpx] [--output FILE]
[--purpose TEXT] [--case NO]`: the fixes in time order (WGS-84); a plate follows the vehicle's terminal bindings over
time. A window outside duty hours or older than QM_TRACK_PURPOSE_AFTER_DAYS is logged (telematics/privacy.py)."""
from django.core.management.base import BaseCommand, CommandError

from quartermaster.errors import DomainError
from telematics.journeys.cli import add_period_arguments, add_purpose_arguments, write_output
from telematics.journeys.track import (
    FORMATS,
    parse_moment,
    render_track,
    resolve_subject,
    track_fixes,
    vehicle_for_subject,
)
from telematics.privacy import cli_gate


class Command(BaseCommand):
    help = "A vehicle's or a terminal's track: JSON (a list of fixes), CSV or GPX 1.1."

    def add_arguments(self, parser):
        parser.add_argument("subject", metavar="PLATE|TERMINAL")
        add_period_arguments(parser)
        parser.add_argument("--format", default="json", choices=FORMATS)
        add_purpose_arguments(parser)

    def handle(self, *args, **opts):
        try:
            subject = resolve_subject(opts["subject"])
            start = parse_moment(opts["start"], what="from")
            end = parse_moment(opts["end"], end=True, what="to")
            cli_gate(vehicle=vehicle_for_subject(subject), start=start, end=end, purpose=opts["purpose"],
                     case_no=opts["case_no"], path=f"cli:track.{opts['format']}")
            body = render_track(track_fixes(subject, start, end), opts["format"], subject.label)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        write_output(self, body, opts["output"])
