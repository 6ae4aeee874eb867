"""The bureau workbook (SPEC "Bureau workbook"): all-or-nothing import and the matching export, XLSX or CSV."""
from .errors import RowError, WorkbookError
from .exporter import export_workbook
from .importer import ImportResult, Progress, import_workbook
from .writer import write_workbook

__all__ = ["ImportResult", "Progress", "RowError", "WorkbookError", "export_workbook", "import_workbook",
           "write_workbook"]
