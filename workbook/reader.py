"""Reads a workbook — one XLSX, or a folder with one CSV per sheet — as header-mapped rows, lazily."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from django.utils.translation import gettext as _

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
                raise FileNotFoundError(_("工作簿 %(path)s 不存在") % {"path": self.path})
            self._open_xlsx()
        elif not self.path.exists():
            raise FileNotFoundError(_("工作簿 %(path)s 不存在") % {"path": self.path})
        else:
            raise ValueError(_("%(path)s：应为 .xlsx 文件或 CSV 文件夹（每个工作表一个文件）") % {"path": self.path})

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
            self.errors.append(RowError(SHEETS.index(sheet), 1, name, "", _("文件不是 UTF-8 文本")))
            return
        except SheetError as exc:
            self.errors.append(RowError(SHEETS.index(sheet), exc.row, name, exc.column, exc.reason))
            return
        if sheet.key in self.sheets:
            other = self.sheets[sheet.key].name
            self.errors.append(RowError(SHEETS.index(sheet), 0, name, "",
                                        _("“%(other)s”和“%(name)s”都是 %(sheet)s 工作表；请只保留一个") % {
                                            "other": other, "name": name, "sheet": sheet.key}))
            return
        source = SheetSource(sheet=sheet, name=name, total=None if total is None else max(total - 1, 0))
        accepted = sheet.header_names()
        for index, raw in enumerate(header or ()):
            if raw is None or not str(raw).strip():
                continue
            key = accepted.get(normalise(raw))
            if key is None:
                self.notices.append(_("%(name)s：列“%(column)s”不属于工作簿，已忽略") % {
                    "name": name, "column": str(raw).strip()})
                continue
            if key in source.positions:
                self.errors.append(RowError(source.order, 1, name, str(raw).strip(),
                                            _("列 %(key)s 出现了两次（另见“%(header)s”）") % {
                                                "key": key, "header": source.headers[key]}))
                continue
            source.positions[key] = index
            source.headers[key] = str(raw).strip()
        if header:
            for col in sheet.columns:
                if col.required and col.key not in source.positions:
                    self.errors.append(RowError(source.order, 1, name, col.key,
                                                _("缺少必填列 %(key)s（%(zh)s）") % {"key": col.key, "zh": col.zh}))
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
                self.notices.append(_("工作表“%(title)s”不属于工作簿，已忽略") % {"title": title})
                continue
            self._add(sheet, title, book.rows(title), None)

    def _open_csv_folder(self) -> None:
        files = [f for f in sorted(self.path.iterdir()) if f.suffix.lower() == ".csv"]
        size = sum(f.stat().st_size for f in files)
        if size > settings.QM_IMPORT_MAX_MB * MB:
            raise ValueError(_("%(path)s：CSV 文件共 %(size)s MB，超过允许的 %(max)s MB（设置 QM_IMPORT_MAX_MB）") % {
                "path": self.path, "size": f"{size / MB:.0f}", "max": settings.QM_IMPORT_MAX_MB})
        for file in files:
            sheet = sheet_for(file.stem)
            if sheet is None:
                self.notices.append(_("文件“%(file)s”不是工作簿的工作表，已忽略") % {"file": file.name})
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
                                            _("文件从这一行起不是 UTF-8 文本")))
                return
            except csv.Error as exc:
                self.errors.append(RowError(SHEETS.index(sheet), reader.line_num, name, "",
                                            _("CSV 有误：%(reason)s") % {"reason": exc}))
                return
            if reader.line_num > max_rows:
                raise SheetError(reader.line_num, "", _("文件超过 %(max)s 行（设置 QM_IMPORT_MAX_ROWS）") % {
                    "max": max_rows})
            if len(values) > max_columns:
                raise SheetError(reader.line_num, "", _("该行有 %(count)s 个单元格，超过 %(max)s 个（设置 "
                                                        "QM_IMPORT_MAX_COLUMNS）") % {"count": len(values),
                                                                                     "max": max_columns})

            yield tuple(v if v.strip() else None for v in values)
