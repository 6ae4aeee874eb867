"""A lean streaming reader of XLSX cell values, for workbooks of a hundred thousand rows.

openpyxl's read-only mode parses a sheet twice when the file declares no dimension (openpyxl's own files
never do) and builds an object per inline string; on a 100,000-asset workbook that alone took longer than the
whole import may. This reads the sheet XML once with ElementTree's C parser and uses openpyxl only for what
it knows best: which number formats are dates and how Excel serial numbers become dates and times.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import iterparse

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
MB = 1024 * 1024


class SheetError(Exception):
    """A sheet that cannot be read on from a place in it (row 0: before the first row)."""

    def __init__(self, row: int, column: str, reason: str):
        super().__init__(reason)
        self.row, self.column, self.reason = row, column, reason


class BadCell:
    """A cell whose stored value cannot be read; the importer reports it at its sheet, row and column."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"BadCell({self.reason!r})"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(element) -> str:
    """All the text runs of a string item (<si> or <is>), rich text included; phonetic runs left out."""
    if len(element) == 1 and _local(element[0].tag) == "t":
        return element[0].text or ""
    parts = []
    for child in element.iter():
        name = _local(child.tag)
        if name == "rPh":
            break
        if name == "t" and child.text:
            parts.append(child.text)
    return "".join(parts)


class XlsxFile:
    """The sheets of an XLSX file by name; `rows(name)` yields each row as {column index: Python value}.

    The limits bound what a small crafted file can cost: `max_bytes` the parts unpacked (a zip of a few hundred
    KB can hold gigabytes of XML), `max_rows` and `max_columns` the cell references (a reference such as
    `XFD1048576` or `ZZZZZZ1` in a 6 KB file must not turn into billions of blank cells or rows).
    Raises ValueError for a file that is not an XLSX workbook or is too large, naming the part at fault.
    """

    def __init__(self, path, *, max_rows: int = 1_048_576, max_columns: int = 16_384, max_bytes: int = 256 * MB):
        self.max_rows, self.max_columns = max_rows, max_columns
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ValueError(_("%(path)s：不是可读的 XLSX 工作簿（%(reason)s）") % {
                "path": path, "reason": exc}) from None
        try:
            unpacked = sum(info.file_size for info in self.zip.infolist())
            if unpacked > max_bytes:
                raise ValueError(_("%(path)s：工作簿解压后为 %(size)s MB，超过允许的 %(max)s MB"
                                   "（设置 QM_IMPORT_MAX_MB）") % {
                    "path": path, "size": f"{unpacked / MB:.0f}", "max": f"{max_bytes / MB:.0f}"})
            part = "xl/workbook.xml"
            self._sheets = self._sheet_paths()
            part = "xl/sharedStrings.xml"
            self._strings = self._shared_strings()
            part = "xl/styles.xml"
            self._dates = self._date_styles()
        except ValueError:
            self.zip.close()
            raise
        except (zipfile.BadZipFile, KeyError, SyntaxError, TypeError, AttributeError, EOFError, OSError,
                RuntimeError, NotImplementedError) as exc:  # ParseError is a SyntaxError
            self.zip.close()
            raise ValueError(_("%(path)s：不是可读的 XLSX 工作簿（%(reason)s）") % {
                "path": path, "reason": f"{part}: {type(exc).__name__}: {exc}"}) from None

    def close(self) -> None:
        self.zip.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self._sheets)

    def _sheet_paths(self) -> dict[str, str]:
        targets = {}
        with self.zip.open("xl/_rels/workbook.xml.rels") as rels:
            for _event, el in iterparse(rels):
                if _local(el.tag) == "Relationship":
                    target = el.get("Target")
                    targets[el.get("Id")] = (target.lstrip("/") if target.startswith("/")
                                             else posixpath.normpath(posixpath.join("xl", target)))
        sheets = {}
        self.epoch = CALENDAR_WINDOWS_1900
        with self.zip.open("xl/workbook.xml") as book:
            for _event, el in iterparse(book):
                name = _local(el.tag)
                if name == "sheet":
                    sheets[el.get("name")] = targets[el.get(_REL)]
                elif name == "workbookPr" and el.get("date1904") in ("1", "true"):
                    self.epoch = CALENDAR_MAC_1904
        return sheets

    def _shared_strings(self) -> list[str]:
        if "xl/sharedStrings.xml" not in self.zip.namelist():
            return []
        strings = []
        with self.zip.open("xl/sharedStrings.xml") as source:
            for _event, el in iterparse(source):
                if _local(el.tag) == "si":
                    strings.append(_text(el))
                    el.clear()
        return strings

    def _date_styles(self) -> set[int]:
        """Indices of the cell styles whose number format shows a date or a time."""
        if "xl/styles.xml" not in self.zip.namelist():
            return set()
        formats = dict(BUILTIN_FORMATS)
        styles, in_cell_xfs = [], False
        with self.zip.open("xl/styles.xml") as source:
            for event, el in iterparse(source, events=("start", "end")):
                name = _local(el.tag)
                if name == "cellXfs":
                    in_cell_xfs = event == "start"
                elif event == "end" and name == "numFmt":
                    formats[int(el.get("numFmtId"))] = el.get("formatCode", "")
                elif event == "end" and name == "xf" and in_cell_xfs:
                    styles.append(int(el.get("numFmtId", 0)))
        return {i for i, fmt in enumerate(styles) if fmt in formats and is_date_format(formats[fmt])}

    def _value(self, el, kind: str, value_tag: str) -> object:
        """A stored (not inline) cell value; one that cannot be what its type says is a BadCell, not an error."""
        value = el.findtext(value_tag)
        if value is None:
            return None
        try:
            if kind == "s":
                return self._strings[int(value)]
            if kind == "n":
                number = float(value)
                value = int(number) if number.is_integer() and "." not in value else number
                style = el.get("s")
                if style and int(style) in self._dates:
                    return from_excel(value, self.epoch)
                return value
        except IndexError:
            return BadCell(_("引用了第 %(index)s 个共享字符串，但只有 %(count)s 个") % {
                "index": value, "count": len(self._strings)})
        except (ValueError, TypeError, OverflowError):
            return BadCell(_("存储的值“%(value)s”不是有效的%(kind)s单元格") % {
                "value": value[:40], "kind": pgettext("in a sentence", "日期") if kind == "n" else kind})
        if kind == "b":
            return value == "1"
        if kind == "e":
            return None
        return value  # "str" (a formula's cached text) and anything else: as written

    def rows(self, name: str) -> Iterator[dict[int, object]]:
        """Every row in order as {column index: value}; a row missing from the file (all blank) is empty.
        Raises SheetError where the sheet cannot be read on (broken XML, a reference beyond the limits)."""
        max_rows, max_columns = self.max_rows, self.max_columns
        expected = 1
        try:
            source = self.zip.open(self._sheets[name])
        except (KeyError, zipfile.BadZipFile) as exc:
            raise SheetError(0, "", _("工作表的部件缺失或无法读取（%(reason)s）") % {"reason": exc}) from None
        with source:
            cell_tag = row_tag = value_tag = inline_tag = None
            columns: dict[str, int] = {}
            row: dict[int, object] = {}
            try:
                for _event, el in iterparse(source):
                    tag = el.tag
                    if cell_tag is None:  # the namespace, from the first element closed (strict OOXML has another)
                        ns = tag[:tag.index("}") + 1] if tag.startswith("{") else ""
                        cell_tag, row_tag, value_tag, inline_tag = f"{ns}c", f"{ns}row", f"{ns}v", f"{ns}is"
                    if tag == cell_tag:
                        ref = el.get("r")
                        kind = el.get("t", "n")
                        if kind == "inlineStr":
                            child = el.find(inline_tag)
                            value = None if child is None else _text(child)
                        else:
                            value = self._value(el, kind, value_tag)
                        if ref:
                            letters = ref.rstrip("0123456789")
                            column = columns.get(letters)
                            if column is None:
                                if _REFERENCE.fullmatch(ref) is None:
                                    raise SheetError(expected, ref, _("单元格引用“%(ref)s”有误") % {"ref": ref[:20]})
                                column = _column_index(letters)
                                if column >= max_columns:
                                    raise SheetError(expected, letters, _(
                                        "单元格 %(ref)s 超出了读取的最后一列 %(last)s（设置 QM_IMPORT_MAX_COLUMNS）")
                                        % {"ref": ref, "last": _letters(max_columns - 1)})
                                columns[letters] = column
                        else:
                            column = max(row) + 1 if row else 0
                            if column >= max_columns:
                                raise SheetError(expected, "", _(
                                    "该行超过 %(max)s 个单元格（设置 QM_IMPORT_MAX_COLUMNS）") % {"max": max_columns})
                        row[column] = value
                        el.clear()
                    elif tag == row_tag:
                        number = el.get("r")
                        if number is None:
                            number = expected
                        elif not number.isdigit() or not 0 < int(number) <= max_rows:
                            raise SheetError(expected, "", _("行号“%(number)s”不在 1 到 %(max)s 之间（设置 "
                                                             "QM_IMPORT_MAX_ROWS）") % {"number": number[:20],
                                                                                       "max": max_rows})
                        number = int(number)
                        while expected < number:  # rows left out of the XML are blank
                            yield {}
                            expected += 1
                        yield row
                        expected = number + 1
                        row = {}
                        el.clear()
            except SyntaxError as exc:  # ElementTree's ParseError: the XML is broken from here on
                line, offset = getattr(exc, "position", (0, 0))
                raise SheetError(expected, "", _(
                    "工作表的 XML 在第 %(line)s 行第 %(column)s 列附近损坏（%(reason)s）") % {
                    "line": line, "column": offset, "reason": exc.msg if hasattr(exc, "msg") else exc}) from None
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise SheetError(expected, "", _("工作表无法解压（%(reason)s）") % {"reason": exc}) from None

