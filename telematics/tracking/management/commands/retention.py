"""`qm retention [--days N] [--method auto|chunks|delete] [--batch N]`: purges the fixes and legs older than
QM_FIX_RETENTION_DAYS, except those under legal hold (telematics/tracking/retention.py). Run nightly by
deploy/systemd/qm-retention.timer; prints its progress and a JSON summary."""
import json

from django.core.management.base import BaseCommand, CommandError

from quartermaster.context import change_context
from quartermaster.errors import DomainError
from telematics.tracking.retention import METHODS, fixes_purge


class Command(BaseCommand):
    help = ("Purge fixes and legs past their retention (QM_FIX_RETENTION_DAYS; 0 keeps them forever), keeping those "
            "of alert cases and manual legal holds.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="retention in days (default QM_FIX_RETENTION_DAYS)")
        parser.add_argument("--method", choices=METHODS, default="auto",
                            help="auto: TimescaleDB chunks where present, then batched DELETE; delete: batches only")
        parser.add_argument("--batch", type=int, help="rows a DELETE statement at most (default QM_FIX_PURGE_BATCH)")

    def handle(self, *args, **opts):
        def progress(result):
            self.stderr.write(f"purge: {result.chunks} chunks dropped, {result.rows} rows deleted "
                              f"in {result.batches} batches")

        try:
            with change_context(source="cli"):
                result = fixes_purge(days=opts["days"], method=opts["method"], batch=opts["batch"],
                                     progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps(result.as_dict()))
