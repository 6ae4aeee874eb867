"""A list page's mechanics, kept apart from what is listed: the columns, sorting by a whitelisted column, a page
of the rows, links that keep the other parameters, and the same rows as XLSX or CSV (headers in the reader's
language, text neutralised by quartermaster.spreadsheets). Nothing here knows vehicles: another list can use it."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpResponse, QueryDict

from quartermaster.spreadsheets import neutralise, xlsx_value

EXPORT_FORMATS = ("xlsx", "csv")
PAGE_SIZES = (25, 50, 100, 200)


@dataclass(frozen=True)
class Column:
    """`value(row)` gives the cell of an export; `sort_key(row)` (None: the column is not sortable) orders the
    rows, those whose key is None last whichever the direction."""

    key: str
    label: Any  # a lazy translation: the header follows the reader's language
    value: Callable[[Any], Any]
    sort_key: Callable[[Any], Any] | None = None


def sort_rows(rows: list, columns: Sequence[Column], order: str, default: str) -> tuple[list, str]:
    """The rows ordered by `order` ("key" or "-key", a sortable column; else `default`), rows without a value last;
    returns them and the order applied."""
    by_key = {c.key: c for c in columns if c.sort_key is not None}
    descending = order.startswith("-")
    column = by_key.get(order.lstrip("-"))
    if column is None:
        order, descending = default, default.startswith("-")
        column = by_key[default.lstrip("-")]
    present = [r for r in rows if column.sort_key(r) is not None]
    missing = [r for r in rows if column.sort_key(r) is None]
    present.sort(key=column.sort_key, reverse=descending)
    return present + missing, order


def page_of(rows: list, number: str | None, size: str | int | None, default_size: int = 50) -> Page:
    """The requested page of `rows` (a bad or too large number gives the nearest page), `size` one of PAGE_SIZES."""
    try:
        size = int(size)
    except (TypeError, ValueError):
        size = default_size
    if size not in PAGE_SIZES:
        size = default_size
    return Paginator(rows, size).get_page(number)


def query_with(params: QueryDict, **changes) -> str:
    """The query string of `params` with `changes` applied (None removes a key): links for sorting, paging, export
    keep the search and the filters."""
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


def _cell(value) -> Any:
    return "" if value is None else value


def export_response(columns: Sequence[Column], rows: list, fmt: str, filename: str, title: str) -> HttpResponse:
    """The rows as an XLSX (one sheet `title`, bold frozen header) or CSV (UTF-8 with a byte order mark, so Excel
    reads the Chinese) attachment; `fmt` must be one of EXPORT_FORMATS."""
    headers = [str(c.label) for c in columns]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([neutralise(_cell(c.value(row))) for c in columns])
        body, content_type = ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        wb = Workbook()
        wb.properties.creator = "Quartermaster"
        sheet = wb.active
        sheet.title = title[:31]
        sheet.append(headers)
        for row in rows:
            sheet.append([xlsx_value(_cell(c.value(row))) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for cells in sheet.iter_cols(min_row=1, max_row=1):
            sheet.column_dimensions[cells[0].column_letter].width = 18
        buffer = io.BytesIO()
        wb.save(buffer)
        body = buffer.getvalue()
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise ValueError(f"format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
