"""Writes workbook rows as one XLSX (write-only, so large workbooks stream) or as a folder of UTF-8 CSV files."""
from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from quartermaster.spreadsheets import neutralise, xlsx_value

from .schema import SHEETS_BY_KEY

HEADER_LANGUAGES = ("en", "zh")


def is_xlsx(path: str | Path) -> bool:
    return str(path).lower().endswith(".xlsx")


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(neutralise(value))


def _xlsx_value(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):  # Excel has no time zones: keep the offset by writing ISO 8601 text
        return value.isoformat()
    return xlsx_value(value)


def write_workbook(path: str | Path, sheets: dict[str, Iterable[list]], *, headers: str = "en",
                   import_only: bool = False) -> Path:
    """Writes `sheets` ({sheet key: rows in the schema's column order}) to `path`: XLSX if it ends .xlsx,
    otherwise a folder of CSV files (created if missing). SPEC's columns only (what `qm export` writes), unless
    `import_only`: then the optional columns the import also reads (an asset's price and finance card) follow."""
    if headers not in HEADER_LANGUAGES:
        raise ValueError(f"headers must be one of {', '.join(HEADER_LANGUAGES)}")
    path = Path(path)

    def titles(key: str) -> tuple[str, list[str]]:
        sheet = SHEETS_BY_KEY[key]
        columns = sheet.columns if import_only else sheet.exported
        if headers == "zh":
            return sheet.zh, [c.zh for c in columns]
        return sheet.key, [c.key for c in columns]

    if is_xlsx(path):
        import openpyxl

        # The file is opened before any sheet is built: a path that cannot be written (a file where the folder
        # should be, a folder of that name, no permission) fails at once with its OSError, and leaves no
        # half-written write-only sheets behind to complain when they are collected.
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            try:
                book = openpyxl.Workbook(write_only=True)
                for key, rows in sheets.items():
                    name, header = titles(key)
                    ws = book.create_sheet(name)
                    ws.append(header)
                    for row in rows:
                        ws.append([_xlsx_value(v) for v in row])
                book.save(fh)
            except BaseException:
                fh.close()
                path.unlink(missing_ok=True)
                raise
        return path
    path.mkdir(parents=True, exist_ok=True)
    for key, rows in sheets.items():
        name, header = titles(key)
        with open(path / f"{name}.csv", "w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            for row in rows:
                out.writerow([_csv_text(v) for v in row])
    return path
