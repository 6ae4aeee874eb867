"""`qm export WORKBOOK`: writes the registry as a bureau workbook, XLSX if the path ends .xlsx, else a CSV folder."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workbook import export_workbook
from workbook.writer import HEADER_LANGUAGES


class Command(BaseCommand):
    help = "Export the registry as the bureau workbook (the format `qm import` reads)."

    def add_arguments(self, parser):
        parser.add_argument("workbook", help="an .xlsx path, or a folder to fill with one CSV per sheet")
        parser.add_argument("--headers", choices=HEADER_LANGUAGES, default="en",
                            help="header and sheet names: SPEC's English (default) or Chinese")

    def handle(self, *args, workbook, headers, **options):
        try:
            path = export_workbook(workbook, headers=headers)
        except OSError as exc:  # SPEC "Command line": the reason on standard error, not a traceback
            raise CommandError(_("无法写入 %(path)s：%(reason)s")
                               % {"path": workbook, "reason": exc.strerror or exc}) from None
        self.stdout.write(f"exported the registry to {path}")
