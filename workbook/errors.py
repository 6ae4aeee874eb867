"""Workbook errors: every bad cell is one (sheet, row, column, reason); the import refuses with all of them."""
from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
        """The place as the file names it (sheet, row, column header) and the reason, in the active language."""
        where = _("%(sheet)s，第 %(row)s 行") % {"sheet": self.sheet, "row": self.row} if self.row else self.sheet
        if self.column:
            where = _("%(where)s，%(column)s 列") % {"where": where, "column": self.column}
        return _("%(where)s：%(reason)s") % {"where": where, "reason": self.reason}


class WorkbookError(DomainError):
    """The workbook was refused; `errors` lists every problem found, in sheet and row order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors)
        count = len(self.errors)
        super().__init__(gettext_lazy("工作簿中有 %(count)s 处错误，未导入任何数据"), code="workbook_invalid",
                         count=count)

    def as_dict(self) -> dict:
        data = super().as_dict()
        data["errors"] = [{"sheet": e.sheet, "row": e.row, "column": e.column, "reason": e.reason}
                          for e in self.errors]
        return data


class CellError(ValueError):
    """Raised by a cell converter; the importer turns it into a RowError naming the cell."""
