"""Workbook errors: every bad cell is one (sheet, row, column, reason); the import refuses with all of them."""
from __future__ import annotations

from dataclasses import dataclass

from quartermaster.errors import DomainError


@dataclass(frozen=True, order=True)
class RowError:
    """One problem. `sheet` and `column` are named as the file names them; row 1 is the header row."""

    sheet_order: int
    row: int
    sheet: str
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.sheet}, row {self.row}" if self.row else self.sheet
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.reason}"


class WorkbookError(DomainError):
    """The workbook was refused; `errors` lists every problem found, in sheet and row order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the workbook; nothing was imported",
                         code="workbook_invalid")

    def as_dict(self) -> dict:
        data = super().as_dict()
        data["errors"] = [{"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason}
                          for e in self.errors]
        return data


class CellError(ValueError):
    """Raised by a cell converter; the importer turns it into a RowError naming the cell."""
