"""`qm register --unit CODE --month YYYY-MM [--format xlsx|pdf|csv|json] [--lang en] [--output FILE]`: the monthly use
register (公务用车使用登记) of a unit's subtree: one row per journey, the costs booked to it, totals per vehicle."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from assets.models import OrgUnit
from quartermaster.errors import DomainError
from telematics.journeys.cli import language, write_output
from telematics.register.render import FORMATS, render
from telematics.register.selectors import build_register


class Command(BaseCommand):
    help = ("The monthly use register (公务用车使用登记) of every vehicle of a unit's subtree: each journey with its "
            "order, GPS and odometer km, fuel and costs; totals per vehicle with L/100 km and ¥/100 km.")

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="unit code (its subtree)")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--format", default="xlsx", choices=FORMATS)
        parser.add_argument("--lang", help="language of headers: zh (default) or en (else QM_LANGUAGE)")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **opts):
        try:
            unit = OrgUnit.objects.filter(code=opts["unit"]).first()
            if unit is None:
                raise DomainError(_("没有代码为 %(unit)s 的单位"), field="unit", unit=opts["unit"])
            with language(opts["lang"]):
                body = render(build_register(unit=unit, month=opts["month"]), opts["format"])
        except DomainError as exc:
            with language(opts["lang"]):
                message = exc.message
            raise CommandError(message) from None
        write_output(self, body, opts["output"])
