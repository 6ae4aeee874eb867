"""Book value (账面净值): straight-line depreciation by category life, as of a date, per asset and per unit.

Local rules (the standards say nothing; finance offices differ): depreciation runs monthly from the month after the
month of acquisition (当月增加的固定资产当月不提折旧，从下月起计提) for the category's `depreciation_years`; the
residual value is `QM_RESIDUAL_RATE` of the price (default 5%). A category without a life is not depreciated (its
book value is the price); an asset without a price or acquisition date has no book value.
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import QuerySet

from .choices import COUNTED_STATUSES, AssetStatus
from .models import Asset, OrgUnit

CENT = Decimal("0.01")


def residual_rate() -> Decimal:
    return Decimal(str(settings.QM_RESIDUAL_RATE))


def months_depreciated(acquired: dt.date, on: dt.date, life_years: int) -> int:
    """Whole months of depreciation booked by `on` (none in the month of acquisition), at most the life."""
    months = (on.year * 12 + on.month) - (acquired.year * 12 + acquired.month)
    return max(0, min(months, life_years * 12))


def depreciation(price: Decimal | None, acquired: dt.date | None, life_years: int | None,
                 on: dt.date) -> Decimal | None:
    """Accumulated depreciation (累计折旧) of one item on `on`; None when the price is unknown."""
    if price is None:
        return None
    price = Decimal(price)
    if not life_years or acquired is None or on < acquired:
        return Decimal("0.00")
    depreciable = price * (1 - residual_rate())
    months = months_depreciated(acquired, on, life_years)
    return (depreciable * months / (life_years * 12)).quantize(CENT, rounding=ROUND_HALF_UP)


def net_book_value(asset: Asset, on: dt.date) -> Decimal | None:
    """The asset's net book value (账面净值) on `on`: price less accumulated depreciation; None without a price."""
    accumulated = depreciation(asset.price, asset.acquired, asset.category.depreciation_years, on)
    if accumulated is None:
        return None
    return (Decimal(asset.price) - accumulated).quantize(CENT)


def unit_totals(unit: OrgUnit, on: dt.date, assets: QuerySet[Asset] | None = None) -> list[dict]:
    """Per unit of `unit`'s subtree (the unit an asset belongs to): items on the books (counted statuses), items with
    a price, the total price, accumulated depreciation and net book value; retired and lost items are off the books."""
    assets = Asset.objects.all() if assets is None else assets
    rows: dict[str, dict] = {}
    units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=unit.path)}
    for u in units.values():
        rows[u.code] = {"unit": u.code, "unit_name": u.name, "items": 0, "priced": 0, "price": Decimal("0.00"),
                        "depreciation": Decimal("0.00"), "net_book_value": Decimal("0.00")}
    on_books = assets.filter(unit__path__startswith=unit.path, status__in=COUNTED_STATUSES).select_related("category")
    for asset in on_books.only("unit_id", "price", "acquired", "category__depreciation_years"):
        row = rows[units[asset.unit_id].code]
        row["items"] += 1
        accumulated = depreciation(asset.price, asset.acquired, asset.category.depreciation_years, on)
        if accumulated is None:
            continue
        row["priced"] += 1
        row["price"] += Decimal(asset.price)
        row["depreciation"] += accumulated
        row["net_book_value"] += Decimal(asset.price) - accumulated
    return [rows[u.code] for u in sorted(units.values(), key=lambda u: u.path)]


