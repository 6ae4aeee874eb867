"""`qm import WORKBOOK`: loads a bureau workbook (XLSX or CSV folder) all-or-nothing, listing every bad cell."""
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workbook import Progress, WorkbookError, import_workbook
from quartermaster.context import change_context, current

# Below this many rows a stage finishes too fast for a progress bar to say anything.
PROGRESS_MIN_ROWS = 5000


class TqdmProgress(Progress):
    """Progress bars on standard error, only for stages large enough to wait for."""

    def __init__(self):
        self.bar = None
        self.label, self.total, self.done = "", None, 0

    def start(self, label, total):
        self.finish()
        self.label, self.total, self.done = label, total, 0

    def advance(self, count):
        self.done += count
        if self.bar is None and max(self.total or 0, self.done) >= PROGRESS_MIN_ROWS:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, initial=self.done, desc=self.label, unit="rows", file=sys.stderr,
                            mininterval=1.0)
        elif self.bar is not None:
            self.bar.update(count)

    def finish(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = ("Import the bureau workbook: one .xlsx with the sheets units, personnel, assets, vehicles, duty_schedules, "
            "holidays, trips (or 单位, 人员, 装备, 车辆, 值勤时间, 节假日, 派车单), or a folder with one CSV per sheet. "
            "Nothing is written unless every row is valid.")

    def add_arguments(self, parser):
        parser.add_argument("workbook", help="an .xlsx file, or a folder of CSV files named after the sheets")
        parser.add_argument("--dry-run", action="store_true", help="check the workbook and write nothing")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, workbook, dry_run, quiet, **options):
        ctx = current()
        progress = Progress() if quiet else TqdmProgress()
        try:
            with change_context(source="import", username=ctx.username):
                result = import_workbook(workbook, progress=progress, dry_run=dry_run)
        except WorkbookError as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(exc.message) from None
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        finally:
            progress.finish()
        for notice in result.notices:
            self.stderr.write(_("注意：%(notice)s") % {"notice": notice})
        done = (_("%(workbook)s：已检查 %(rows)s 行（试运行，未写入）。%(summary)s") if dry_run
                else _("%(workbook)s：已导入 %(rows)s 行。%(summary)s"))
        self.stdout.write(done % {"workbook": workbook, "rows": result.rows, "summary": result.summary()})

