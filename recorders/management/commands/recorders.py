"""`qm recorders inspections-due|maintenance-due|shifts|footage-sync`: the recorders' registers from the command
line."""
from __future__ import annotations

import datetime as dt

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from assets.models import Asset, OrgUnit
from quartermaster.errors import DomainError

from ... import reports, selectors
from ...models import FootageInspection


def _unit(code: str) -> OrgUnit:
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(_("没有编码为 %(unit_code)s 的单位") % {"unit_code": code})
    return unit


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("“%(value)s”不是日期（应为 YYYY-MM-DD）") % {"value": value}) from None


class Command(BaseCommand):
    help = ("Recorders: brigades whose footage was not inspected within the local period (inspections-due), "
            "recorders due for maintenance (maintenance-due), kit out on a shift now (shifts).")

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        due = actions.add_parser("inspections-due", help="brigades not inspected within the period (检查台帐)")
        due.add_argument("--unit", required=True, help="unit code: its brigades are reported")
        due.add_argument("--as-of", dest="as_of", help="the date to judge on (YYYY-MM-DD; default today)")
        due.add_argument("--days", type=int, help="the period in days (default QM_FOOTAGE_INSPECTION_DAYS, a local "
                                                  "setting)")
        due.add_argument("--format", default="json", choices=reports.FORMATS)
        due.add_argument("--output", help="file to write (default: standard output)")
        due.add_argument("--lang", choices=[code for code, _name in settings.LANGUAGES],
                         help="language of CSV, XLSX and PDF (default QM_LANGUAGE)")
        upkeep = actions.add_parser("maintenance-due", help="recorders whose last maintenance is too old (JSON)")
        upkeep.add_argument("--unit", required=True)
        upkeep.add_argument("--on", help="the date to judge on (default today)")
        upkeep.add_argument("--days", type=int, help="the period (default QM_RECORDER_MAINTENANCE_DAYS, local)")
        shifts = actions.add_parser("shifts", help="kit out on a shift now, with whom and since when (JSON)")
        shifts.add_argument("--unit", help="unit code (default: the whole bureau)")
        actions.add_parser("footage-sync", help="footage records for dock reports stored before the footage rules "
                                                "(or while their recorder was not registered yet)")

    def handle(self, *args, **opts):
        # --lang (inspections-due) is the whole run's language: its refusals too, not the render only.
        if not opts.get("lang"):
            return self._handle(opts)
        with translation.override(opts["lang"]):
            self._handle(opts)

    def _handle(self, opts):
        if opts.get("days") is not None and opts["days"] < 1:
            raise CommandError(_("--days 须为正整数天数"))
        try:
            if opts["action"] == "inspections-due":
                self._inspections(opts)
            elif opts["action"] == "footage-sync":
                self._footage_sync()
            elif opts["action"] == "maintenance-due":
                data = selectors.maintenance_due(Asset.objects.all(), unit=_unit(opts["unit"]), on=_date(opts["on"]),
                                                 days=opts["days"])
                self._write(orjson.dumps(data, option=orjson.OPT_INDENT_2), None, "json")
            else:
                unit = _unit(opts["unit"]) if opts["unit"] else None
                self._write(orjson.dumps(selectors.shifts_out(Asset.objects.all(), unit=unit),
                                         option=orjson.OPT_INDENT_2), None, "json")
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _footage_sync(self) -> None:
        from telematics.tracking.models import DockOffload

        from ...footage import records_from_docks

        made = 0
        pending = DockOffload.objects.filter(footage__isnull=True).order_by("ts", "pk")
        last = 0
        while True:
            batch = list(pending.filter(pk__gt=last).order_by("pk")[:1000])
            if not batch:
                break
            last = batch[-1].pk
            with transaction.atomic():
                made += len(records_from_docks(batch))
        self.stdout.write(orjson.dumps({"footage_records_created": made}).decode())

    def _inspections(self, opts) -> None:
        report = selectors.inspections_due(FootageInspection.objects.all(), unit=_unit(opts["unit"]),
                                           as_of=_date(opts["as_of"]), days=opts["days"])
        with translation.override(opts["lang"] or settings.QM_LANGUAGE):
            body = reports.render(report, opts["format"])
        self._write(body, opts["output"], opts["format"])

    def _write(self, body: bytes, output: str | None, fmt: str) -> None:
        if output:
            try:
                with open(output, "wb") as fh:
                    fh.write(body)
            except OSError as exc:
                raise CommandError(_("无法写入 %(path)s：%(reason)s") % {"path": output, "reason": exc}) from None

            return
        target = self.stdout._out
        if hasattr(target, "buffer"):
            target.flush()
            target.buffer.write(body + (b"\n" if fmt == "json" else b""))
            target.buffer.flush()
        elif fmt in ("json", "csv"):
            target.write(body.decode("utf-8"))
        else:
            target.write(body)
