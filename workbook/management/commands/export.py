"""`qm export WORKBOOK`: writes the registry as a bureau workbook, XLSX if the path ends .xlsx, else a CSV folder."""
from django.core.management.base import BaseCommand

from workbook import export_workbook
from workbook.writer import HEADER_LANGUAGES


class Command(BaseCommand):
    help = "Export the registry as the bureau workbook (the format `qm import` reads)."

    def add_arguments(self, parser):
        parser.add_argument("workbook", help="an .xlsx path, or a folder to fill with one CSV per sheet")
        parser.add_argument("--headers", choices=HEADER_LANGUAGES, default="en",
                            help="header and sheet names: SPEC's English (default) or Chinese")

    def handle(self, *args, workbook, headers, **options):
        path = export_workbook(workbook, headers=headers)
        self.stdout.write(f"exported the registry to {path}")
