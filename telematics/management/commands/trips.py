"""`qm trips {PLATE|TERMINAL} [--from DATETIME] [--to DATETIME] [--format json|csv|xlsx] [--output FILE]`: the trips
detected from the stored fixes, in time order, each classed against the vehicle's approved trips (派车单).
`qm trips --unit CODE --from … --to …`: the same for every vehicle of a unit's subtree, with a summary per vehicle."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from assets.models import OrgUnit
from quartermaster.errors import DomainError
from telematics.journeys.cli import add_period_arguments, add_purpose_arguments, language, write_output
from telematics.journeys.render import FORMATS, render
from telematics.journeys.selectors import unit_journeys, vehicle_journeys
from telematics.journeys.track import parse_moment, resolve_subject, vehicle_for_subject
from telematics.models import Vehicle
from telematics.privacy import Purpose, track_gate
from telematics.tracking import conf


class Command(BaseCommand):
    help = ("Trips of a vehicle (or terminal) detected from its fixes, each with its class: matched, overtime, "
            "off_route, duty, no_order. JSON: a list; XLSX adds the stops and the unused approved trips (and, with "
            "--unit, a summary per vehicle).")

    def add_arguments(self, parser):
        parser.add_argument("subject", metavar="PLATE|TERMINAL", nargs="?")
        parser.add_argument("--unit", help="instead of one vehicle: every vehicle of this unit's subtree (at most "
                                           "31 days)")
        add_period_arguments(parser)
        parser.add_argument("--format", default="json", choices=FORMATS)
        parser.add_argument("--lang", help="language of XLSX headers and class names: zh (default) or en "
                                           "(else QM_LANGUAGE)")
        add_purpose_arguments(parser)

    def handle(self, *args, **opts):
        if bool(opts["subject"]) == bool(opts["unit"]):
            with language(opts["lang"]):  # in --lang's language, like every other refusal of the command
                message = str(_("请给出车牌号或终端号，或 --unit CODE（不能同时给出）"))
            raise CommandError(message)
        try:
            start = parse_moment(opts["start"], what="from")
            end = parse_moment(opts["end"], end=True, what="to")
            with language(opts["lang"]):
                if opts["unit"]:
                    unit = OrgUnit.objects.filter(code=opts["unit"]).first()
                    if unit is None:
                        raise DomainError(_("没有代码为 %(unit)s 的单位"), field="unit", unit=opts["unit"])
                    vehicles = Vehicle.objects.filter(unit__path__startswith=unit.path)
                    self._gate(list(vehicles), start, end, opts)
                    report = unit_journeys(unit, vehicles, start, end)
                else:
                    subject = resolve_subject(opts["subject"])
                    vehicle = vehicle_for_subject(subject)
                    self._gate([vehicle] if vehicle is not None else [], start, end, opts)
                    report = vehicle_journeys(subject, start, end)
                body = render(report, opts["format"])
        except DomainError as exc:
            with language(opts["lang"]):
                message = exc.message
            raise CommandError(message) from None
        write_output(self, body, opts["output"])

    @staticmethod
    def _gate(vehicles, start, end, opts) -> None:
        """Trips and stops show where the vehicles went: the PIPL gate of telematics/privacy.py."""
        track_gate(user=None, vehicles=vehicles, start=start, end=end,
                   purpose=Purpose.of(opts["purpose"], opts["case_no"]), path=f"cli:trips.{opts['format']}",
                   require=conf.get("QM_TRACK_PURPOSE_CLI") == "require")
