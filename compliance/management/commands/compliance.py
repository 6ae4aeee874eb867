"""`qm compliance`: a unit's compliance report against a standard, as JSON, CSV, XLSX, PDF or HTML."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from compliance import services
from compliance.render import FORMATS, render
from compliance.standards import StandardsError
from quartermaster.errors import DomainError


class Command(BaseCommand):
    help = ("Checks a unit (and its subtree) against a standard on a date. Writes to standard output unless "
            "--output is given; --save keeps the report as a snapshot, --snapshot ID re-renders a saved one.")

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="unit code, e.g. CZ-TN")
        parser.add_argument("--standard", help="standard id: jiangsu or model (or any file in compliance/data)")
        parser.add_argument("--as-of", dest="as_of", help="evaluate the ledger as it stood at the end of this date "
                                                          "(YYYY-MM-DD, Asia/Shanghai; default today)")
        parser.add_argument("--format", default="json", choices=FORMATS)
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument("--lang", choices=[code for code, _name in settings.LANGUAGES],
                            help="language of CSV, XLSX, PDF and HTML (default QM_LANGUAGE, else zh-hans); "
                                 "JSON keys and codes are the same in every language")
        parser.add_argument("--save", action="store_true", help="save the report as a snapshot (id on stderr)")
        parser.add_argument("--snapshot", help="re-render the saved report with this id instead of evaluating")

    def handle(self, *args, **opts):
        # --lang is the whole run's language: the report's titles (built with it) and the refusals, not the render only.
        if not opts["lang"]:
            return self._handle(opts)
        with translation.override(opts["lang"]):
            self._handle(opts)

    def _handle(self, opts):
        try:
            if opts["snapshot"]:
                if opts["save"]:
                    raise CommandError(_("--save 与 --snapshot 不能同时使用"))
                report = services.snapshot_report(services.snapshot_by_id(opts["snapshot"]))
            else:
                if not opts["unit"] or not opts["standard"]:
                    raise CommandError(_("须给出 --unit 和 --standard（或 --snapshot 编号）"))
                unit = services.unit_by_code(opts["unit"])
                report = services.compliance_report(unit=unit, standard_id=opts["standard"],
                                                    as_of=services.parse_as_of(opts["as_of"]))
                if opts["save"]:
                    snapshot = services.compliance_snapshot_save(report=report, unit=unit)
                    self.stderr.write(_("已保存达标报告快照 #%(number)s") % {"number": snapshot.pk})
            with translation.override(opts["lang"] or settings.QM_LANGUAGE):
                body = render(report, opts["format"])
        except (DomainError, StandardsError) as exc:
            raise CommandError(str(exc)) from None
        if opts["output"]:
            try:
                with open(opts["output"], "wb") as fh:
                    fh.write(body)
            except OSError as exc:
                raise CommandError(_("无法写入 %(path)s：%(reason)s") % {"path": opts["output"], "reason": exc}) from None

            return
        target = self.stdout._out
        if hasattr(target, "buffer"):  # a real stream: binary formats go out as bytes
            target.flush()
            target.buffer.write(body)
            target.buffer.flush()
        elif opts["format"] in ("json", "csv", "html"):
            target.write(body.decode("utf-8"))
        else:
            target.write(body)
