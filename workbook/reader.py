"""Reads a workbook — one XLSX, or a folder with one CSV per sheet — as header-mapped rows, lazily."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .errors import RowError
from .schema import SHEETS, Sheet, normalise, sheet_for
from .xlsx import MB, SheetError

Row = dict[str, object]


def _listed(values) -> tuple:
    """A row as read (a tuple from CSV, {column index: value} from XLSX) as a tuple of its cells in order."""
    if isinstance(values, dict):
        return tuple(values.get(i) for i in range(max(values) + 1)) if values else ()
    return tuple(values)


@dataclass
class SheetSource:
    """One sheet found in the file: its spec, its name as written, and how its headers map to columns."""

    sheet: Sheet
    name: str
    headers: dict[str, str] = field(default_factory=dict)   # column key -> header as written
    positions: dict[str, int] = field(default_factory=dict)  # column key -> index in the row
    total: int | None = None                                # data rows, when the file says so up front
    errors: list[RowError] = field(default_factory=list)    # where reading the rows stopped, if it did
    _rows: Iterator | None = None

    @property
    def order(self) -> int:
        return SHEETS.index(self.sheet)

    def rows(self) -> Iterator[tuple[int, Row]]:
        """(row number in the file, {column key: raw value}) for every non-blank data row; a sheet that cannot
        be read on ends with its error in `errors`."""
        number = 1
        try:
            for values in self._rows or ():
                number += 1
                if isinstance(values, dict):
                    cells = values.values()
                    pick = {key: values.get(i) for key, i in self.positions.items()}
                else:
                    cells = values or ()
                    pick = {key: (values[i] if i < len(values) else None) for key, i in self.positions.items()}
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
                    continue
                yield number, pick
        except SheetError as exc:
            self.errors.append(RowError(self.order, exc.row, self.name, exc.column, exc.reason))


class Workbook:
    """The sheets of a workbook file. `errors` holds problems with the file itself (headers, duplicate sheets)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.errors: list[RowError] = []
        self.notices: list[str] = []
        self.sheets: dict[str, SheetSource] = {}
        self._closers = []
        if self.path.is_dir():
            self._open_csv_folder()
        elif self.path.suffix.lower() in (".xlsx", ".xlsm"):
            if not self.path.exists():
                raise FileNotFoundError(f"workbook {self.path} does not exist")
            self._open_xlsx()
        elif not self.path.exists():
            raise FileNotFoundError(f"workbook {self.path} does not exist")
        else:
            raise ValueError(f"{self.path}: expected an .xlsx file or a folder of CSV files (one per sheet)")

    def close(self) -> None:
        for close in self._closers:
            close()
        self._closers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _add(self, sheet: Sheet, name: str, rows: Iterator[tuple], total: int | None) -> None:
        try:
            header = _listed(next(rows))
        except StopIteration:
            header = ()
        except UnicodeDecodeError:
            self.errors.append(RowError(SHEETS.index(sheet), 1, name, "", "the file is not UTF-8 text"))
            return
        except SheetError as exc:
            self.errors.append(RowError(SHEETS.index(sheet), exc.row, name, exc.column, exc.reason))
            return
        if sheet.key in self.sheets:
            other = self.sheets[sheet.key].name
            self.errors.append(RowError(SHEETS.index(sheet), 0, name, "",
                                        f"both {other!r} and {name!r} are the {sheet.key} sheet; keep one"))
            return
        source = SheetSource(sheet=sheet, name=name, total=None if total is None else max(total - 1, 0))
        accepted = sheet.header_names()
        for index, raw in enumerate(header or ()):
            if raw is None or not str(raw).strip():
                continue
            key = accepted.get(normalise(raw))
            if key is None:
                self.notices.append(f"{name}: column {str(raw).strip()!r} is not part of the workbook; ignored")
                continue
            if key in source.positions:
                self.errors.append(RowError(source.order, 1, name, str(raw).strip(),
                                            f"column {key} appears twice (also as {source.headers[key]!r})"))
                continue
            source.positions[key] = index
            source.headers[key] = str(raw).strip()
        if header:
            for col in sheet.columns:
                if col.required and col.key not in source.positions:
                    self.errors.append(RowError(source.order, 1, name, col.key,
                                                f"required column {col.key} ({col.zh}) is missing"))
        source._rows = rows
        self.sheets[sheet.key] = source

    def _open_xlsx(self) -> None:
        from .xlsx import XlsxFile

        book = XlsxFile(self.path, max_rows=settings.QM_IMPORT_MAX_ROWS, max_columns=settings.QM_IMPORT_MAX_COLUMNS,
                        max_bytes=settings.QM_IMPORT_MAX_MB * MB)
        self._closers.append(book.close)
        for title in book.sheet_names:
            sheet = sheet_for(title)
            if sheet is None:
                self.notices.append(f"sheet {title!r} is not part of the workbook; ignored")
                continue
            self._add(sheet, title, book.rows(title), None)

    def _open_csv_folder(self) -> None:
        files = [f for f in sorted(self.path.iterdir()) if f.suffix.lower() == ".csv"]
        size = sum(f.stat().st_size for f in files)
        if size > settings.QM_IMPORT_MAX_MB * MB:
            raise ValueError(f"{self.path}: the CSV files hold {size / MB:.0f} MB, more than the "
                             f"{settings.QM_IMPORT_MAX_MB} MB allowed (setting QM_IMPORT_MAX_MB)")
        for file in files:
            sheet = sheet_for(file.stem)
            if sheet is None:
                self.notices.append(f"file {file.name!r} is not a sheet of the workbook; ignored")
                continue
            # utf-8-sig: Excel writes a byte-order mark at the start of "CSV UTF-8" files.
            handle = open(file, encoding="utf-8-sig", newline="")
            self._closers.append(handle.close)
            self._add(sheet, file.name, self._csv_rows(sheet, file.name, handle), None)

    def _csv_rows(self, sheet: Sheet, name: str, handle) -> Iterator[tuple]:
        reader = csv.reader(handle)
        max_rows, max_columns = settings.QM_IMPORT_MAX_ROWS, settings.QM_IMPORT_MAX_COLUMNS
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                self.errors.append(RowError(SHEETS.index(sheet), reader.line_num + 1, name, "",
                                            "the file is not UTF-8 text from this row on"))
                return
            except csv.Error as exc:
                self.errors.append(RowError(SHEETS.index(sheet), reader.line_num, name, "", f"bad CSV: {exc}"))
                return
            if reader.line_num > max_rows:
                raise SheetError(reader.line_num, "", f"the file has more than {max_rows} rows "
                                 f"(setting QM_IMPORT_MAX_ROWS)")
            if len(values) > max_columns:
                raise SheetError(reader.line_num, "", f"the row has {len(values)} cells, more than {max_columns} "
                                 f"(setting QM_IMPORT_MAX_COLUMNS)")
            yield tuple(v if v.strip() else None for v in values)
