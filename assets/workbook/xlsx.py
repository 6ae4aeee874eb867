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

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_COLUMN = re.compile(r"[A-Z]+")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _column_index(reference: str) -> int:
    letters = _COLUMN.match(reference)[0]
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


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
    """The sheets of an XLSX file by name; `rows(name)` yields each row as a tuple of Python values."""

    def __init__(self, path):
        try:
            self.zip = zipfile.ZipFile(path)
            self._sheets = self._sheet_paths()
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ValueError(f"{path}: not a readable XLSX workbook ({exc})") from None
        self._strings = self._shared_strings()
        self._dates = self._date_styles()

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

    def rows(self, name: str) -> Iterator[tuple]:
        """Every row in order; a row missing from the file (all blank) comes back as an empty tuple."""
        strings, dates, epoch = self._strings, self._dates, self.epoch
        expected = 1
        with self.zip.open(self._sheets[name]) as source:
            cell_tag = row_tag = value_tag = inline_tag = None
            columns: dict[str, int] = {}
            row: dict[int, object] = {}
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
                        value = el.findtext(value_tag)
                        if value is not None:
                            if kind == "s":
                                value = strings[int(value)]
                            elif kind == "n":
                                number = float(value)
                                value = int(number) if number.is_integer() and "." not in value else number
                                if el.get("s") and int(el.get("s")) in dates:
                                    value = from_excel(value, epoch)
                            elif kind == "b":
                                value = value == "1"
                            elif kind == "e":
                                value = None
                    if ref:
                        letters = ref.rstrip("0123456789")
                        column = columns.get(letters)
                        if column is None:
                            column = columns[letters] = _column_index(letters)
                    else:
                        column = len(row)
                    row[column] = value
                    el.clear()
                elif tag == row_tag:
                    number = int(el.get("r") or expected)
                    while expected < number:  # rows left out of the XML are blank
                        yield ()
                        expected += 1
                    width = max(row) + 1 if row else 0
                    yield tuple(row.get(i) for i in range(width))
                    expected = number + 1
                    row = {}
                    el.clear()
