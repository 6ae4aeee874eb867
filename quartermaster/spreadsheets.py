"""What every XLSX or CSV the product writes does to text, and what the workbook import undoes.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel and
LibreOffice (CSV included): a name entered as `=HYPERLINK(…)` would be a live formula in an export. Such text is
written with a leading apostrophe (OWASP's "CSV injection" advice), and so is text that already starts with an
apostrophe followed by one of those, so that `restore` gives back exactly what was written.
"""
from __future__ import annotations

import re

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
QUOTE = "'"
# What XML 1.0 cannot hold (openpyxl refuses it); the workbook import refuses it in a cell.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _quoted(text: str) -> bool:
    return text[:1] == QUOTE and len(text) > 1 and (text[1] in FORMULA_TRIGGERS or text[1] == QUOTE)


def neutralise(value: object) -> object:
    """A cell value safe to hand to a spreadsheet: text that would start a formula gets a leading apostrophe.
    Numbers, dates and booleans are returned as they are (a negative number is a number, not a formula)."""
    if isinstance(value, str) and value and (value[0] in FORMULA_TRIGGERS or _quoted(value)):
        return QUOTE + value
    return value


def xlsx_value(value: object) -> object:
    """`neutralise`, and characters XML cannot store replaced by U+FFFD so that a stray one never stops an export."""
    value = neutralise(value)
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("\ufffd", value)
    return value


def restore(text: str) -> str:
    """The text `neutralise` was given, from what it wrote (a workbook read back)."""
    return text[1:] if _quoted(text) else text


def table_report_csv(*, title, headline, header, rows) -> bytes:
    """A report as CSV: the title, the (label, value) headline, a blank line, the header and the rows; every cell
    neutralised (the CSV twin of quartermaster.pdf.table_report)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in ([title], *headline, [], header, *rows):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return out.getvalue().encode("utf-8")


def table_report_xlsx(*, title, headline, header, rows, sheet, widths, fills=None) -> bytes:
    """The same report as one XLSX sheet named `sheet`: the title in large bold, the (label, value) headline, a
    blank row, the bold header and the rows, columns `widths` wide; every cell through `xlsx_value`. `fills` maps
    (row, column) of `rows`, counted from 0, to the RGB colour of a solid fill (e.g. a shaded state per late row)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append([xlsx_value(title)])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in headline:
        ws.append([xlsx_value(label), xlsx_value(value)])
    ws.append([])
    ws.append([xlsx_value(h) for h in header])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    first = ws.max_row + 1
    for row in rows:
        ws.append([xlsx_value(v) for v in row])
    for (row, column), colour in (fills or {}).items():
        ws.cell(row=first + row, column=column + 1).fill = PatternFill("solid", fgColor=colour)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
