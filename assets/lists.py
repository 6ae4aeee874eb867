"""One helper for every list page: search, filters, sort, pagination and XLSX/CSV export of a restricted queryset.

A list whose rows are computed in Python rather than queried (the vehicle list joins each vehicle's live state)
uses the same pieces by hand: `sort_rows`, `page_of`, `query_with` and `export_file`.

A page declares its columns and filters and hands over a queryset already cut by `assets.access.restrict`; the
helper refuses one that is not (a list must never show more than its user may see). The querystring carries the
state (`q`, each filter's name, `sort` with a leading `-` for descending, `page`, `export=xlsx|csv`), so a filtered
and sorted view is a link, and its export is the same link with `export` added: all matching rows, not one page.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict

from quartermaster.spreadsheets import neutralise, xlsx_value

from .access import is_restricted

PER_PAGE = 50
PAGE_SIZES = (25, 50, 100, 200)
EXPORT_FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Column:
    """`value(row)`: the cell (text, number or date); `link(row)`: where the cell leads, if anywhere; `order`: the
    ORM ordering that sorts by this column (None: not sortable)."""

    key: str
    label: str
    value: Callable[[object], object]
    order: str | None = None
    link: Callable[[object], str | None] | None = None


@dataclass(frozen=True)
class Filter:
    """A select box: `choices` (value, label) pairs, or a function of the request's user giving them; the chosen
    value filters `lookup`. `apply(qs, value)` replaces the plain lookup when a choice means more (e.g. a subtree)."""

    name: str
    label: str
    lookup: str
    choices: Iterable | Callable = ()
    apply: Callable[[QuerySet, str], QuerySet] | None = None

    def options(self, user) -> list[tuple[str, str]]:
        choices = self.choices(user) if callable(self.choices) else self.choices
        return [(str(value), str(label)) for value, label in choices]


@dataclass
class Listing:
    """The state of one list page for one request; `rows` is the current page, `export` the file when asked."""

    request: object
    queryset: QuerySet
    columns: list[Column]
    filters: list[Filter] = field(default_factory=list)
    search: tuple[str, ...] = ()
    default_sort: str = ""
    filename: str = "export"
    per_page: int = PER_PAGE

    def __post_init__(self):
        if not is_restricted(self.queryset):
            raise ValueError(f"list of {self.queryset.model._meta.label} is not restricted to the user")
        params = self.request.GET
        self.q = params.get("q", "").strip()
        self.filter_state = []
        qs = self.queryset
        if self.q and self.search:
            match = Q()
            for lookup in self.search:
                match |= Q(**{f"{lookup}__icontains": self.q})
            qs = qs.filter(match)
        for f in self.filters:
            options = f.options(self.request.user)
            chosen = params.get(f.name, "")
            if chosen and chosen in {value for value, _label in options}:
                qs = f.apply(qs, chosen) if f.apply else qs.filter(**{f.lookup: chosen})
            else:
                chosen = ""
            self.filter_state.append({"name": f.name, "label": f.label, "options": options, "chosen": chosen})
        sortable = {c.key: c.order for c in self.columns if c.order}
        sort = params.get("sort", self.default_sort)
        key = sort.lstrip("-")
        if key not in sortable:
            sort, key = self.default_sort, self.default_sort.lstrip("-")
        self.sort = sort
        if key in sortable:
            order = sortable[key]
            qs = qs.order_by(f"-{order}" if sort.startswith("-") else order, "pk")
        self.filtered = qs
        self.paginator = Paginator(qs, self.per_page)
        self.page = self.paginator.get_page(params.get("page"))

    # --- what the template shows ---------------------------------------------------------------------------

    def _query(self, **changes) -> str:
        params = {k: v for k, v in self.request.GET.items() if k not in ("page", "export")}
        params.update({k: v for k, v in changes.items() if v not in (None, "")})
        for k, v in changes.items():
            if v in (None, ""):
                params.pop(k, None)
        return "?" + urlencode(params)

    @property
    def headers(self) -> list[dict]:
        heads = []
        for c in self.columns:
            head = {"key": c.key, "label": c.label, "url": None, "state": ""}
            if c.order:
                ascending = self.sort == c.key
                head["url"] = self._query(sort=f"-{c.key}" if ascending else c.key)
                head["state"] = "asc" if ascending else "desc" if self.sort == f"-{c.key}" else ""
            heads.append(head)
        return heads

    @cached_property
    def rows(self) -> list[dict]:
        return [{"object": obj, "cells": [{"key": c.key, "value": c.value(obj),
                                            "url": c.link(obj) if c.link else None} for c in self.columns]}
                for obj in self.page.object_list]

    @property
    def previous_url(self) -> str | None:
        return self._query(page=self.page.previous_page_number()) if self.page.has_previous() else None

    @property
    def next_url(self) -> str | None:
        return self._query(page=self.page.next_page_number()) if self.page.has_next() else None

    @property
    def export_urls(self) -> list[tuple[str, str]]:
        return [(fmt.upper(), self._query(export=fmt)) for fmt in EXPORT_FORMATS]

    # --- the export ------------------------------------------------------------------------------------------

    @property
    def export(self) -> HttpResponse | None:
        """The whole filtered, sorted list as a file when `export=xlsx|csv` is asked, else None."""
        fmt = self.request.GET.get("export")
        if fmt not in EXPORT_FORMATS:
            return None
        header = [str(c.label) for c in self.columns]
        rows = ([c.value(obj) for c in self.columns] for obj in self.filtered.iterator(chunk_size=500))
        return export_file(fmt, self.filename, header, rows)


# --- lists of computed rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowColumn:
    """A column of a list computed in Python: `value(row)` the cell, `sort_key(row)` (None: not sortable) orders
    the rows, those whose key is None last whichever the direction."""

    key: str
    label: Any  # a lazy translation: the header follows the reader's language
    value: Callable[[Any], Any]
    sort_key: Callable[[Any], Any] | None = None


def sort_rows(rows: list, columns: Sequence[RowColumn], order: str, default: str) -> tuple[list, str]:
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


def page_of(rows: list, number: str | None, size: str | int | None, default_size: int = PER_PAGE) -> Page:
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


# --- the files ------------------------------------------------------------------------------------------------


def export_file(fmt: str, filename: str, header: list[str], rows: Iterable[Sequence]) -> HttpResponse:
    """`rows` as an XLSX (one sheet, header first) or CSV (UTF-8 with a byte order mark) attachment, every cell
    neutralised by quartermaster.spreadsheets; `fmt` one of EXPORT_FORMATS."""
    rows = ([_plain(v) for v in row] for row in rows)
    if fmt == "csv":
        return _csv(filename, header, rows)
    if fmt == "xlsx":
        return _xlsx(filename, header, rows)
    raise ValueError(f"format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")


def _plain(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (int, float, str)) or hasattr(value, "isoformat"):
        return value
    return str(value)


def _csv(filename: str, header: list[str], rows) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    # A byte-order mark: Excel opens UTF-8 CSV with Chinese text correctly only with it.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx(filename: str, header: list[str], rows) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(filename[:31])
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_value(_naive(v)) for v in row])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _naive(value: object) -> object:
    """openpyxl refuses aware datetimes: they are written in local time."""
    from django.utils import timezone

    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None and hasattr(value, "hour"):
        return timezone.localtime(value).replace(tzinfo=None)
    return value

