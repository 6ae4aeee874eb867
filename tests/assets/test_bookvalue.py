"""Book value: straight-line depreciation by category life, hand-computed, per asset and per unit."""
import datetime as dt
from decimal import Decimal

from django.test import override_settings

from assets import bookvalue, services
from assets.models import Category
from tests.support.fixtures import make_user


def test_a_6000_item_with_a_6_year_life_after_2_5_years(bureau):
    # ¥6,000, 6-year life, 5% residual: (6000 × 0.95) / 72 months = ¥79.1667 a month; 30 months booked from the month
    # after acquisition (Feb 2024 … Jul 2026) = ¥2,375.00; net book value ¥3,625.00.
    Category.objects.filter(pk="office").update(depreciation_years=6)
    asset = services.asset_create(tag="PC-1", category="office", unit=bureau["units"]["CZ-TN"], item="电脑",
                                  acquired=dt.date(2024, 1, 15), price=Decimal("6000"), finance_card_no="ZC-0001")
    asset.refresh_from_db()
    assert bookvalue.depreciation(asset.price, asset.acquired, 6, dt.date(2026, 7, 15)) == Decimal("2375.00")
    assert bookvalue.net_book_value(asset, dt.date(2026, 7, 15)) == Decimal("3625.00")
    assert bookvalue.net_book_value(asset, dt.date(2024, 1, 31)) == Decimal("6000.00")  # none in its own month
    assert bookvalue.net_book_value(asset, dt.date(2035, 1, 1)) == Decimal("300.00")  # the residual, 5%
    with override_settings(QM_RESIDUAL_RATE=0):
        assert bookvalue.net_book_value(asset, dt.date(2026, 7, 15)) == Decimal("3500.00")  # 6000 - 6000×30/72


def test_no_price_no_book_value_and_no_life_no_depreciation(bureau):
    Category.objects.filter(pk="uniform").update(depreciation_years=None)
    unit = bureau["units"]["CZ-TN"]
    free = services.asset_create(tag="R-1", category="radio", unit=unit, acquired=dt.date(2024, 1, 1))
    coat = services.asset_create(tag="U-1", category="uniform", unit=unit, acquired=dt.date(2020, 1, 1),
                                 price=Decimal("480"))
    assert bookvalue.net_book_value(free, dt.date(2026, 1, 1)) is None
    assert bookvalue.net_book_value(coat, dt.date(2026, 1, 1)) == Decimal("480.00")


def test_unit_totals_and_the_api(bureau, api_client_for):
    Category.objects.filter(pk="office").update(depreciation_years=6)
    units = bureau["units"]
    services.asset_create(tag="PC-1", category="office", unit=units["CZ-TN-01"], acquired=dt.date(2024, 1, 15),
                          price=Decimal("6000"))
    services.asset_create(tag="PC-2", category="office", unit=units["CZ-TN-01"], acquired=dt.date(2024, 1, 15),
                          price=Decimal("6000"))
    gone = services.asset_create(tag="PC-3", category="office", unit=units["CZ-TN-02"], acquired=dt.date(2024, 1, 15),
                                 price=Decimal("6000"))
    services.asset_retire(asset=gone)
    rows = {r["unit"]: r for r in bookvalue.unit_totals(units["CZ-TN"], dt.date(2026, 7, 15))}
    assert rows["CZ-TN-01"]["net_book_value"] == Decimal("7250.00")
    assert rows["CZ-TN-02"]["items"] == 0  # retired: off the books
    client = api_client_for(make_user("log", "logistics", units["CZ-TN"]))
    body = client.get("/api/v1/book-value/", {"unit": "CZ-TN", "on": "2026-07-15"}).json()
    assert body["total"]["net_book_value"] == "7250.00" and body["total"]["items"] == 2
    asset = client.get("/api/v1/assets/by-tag/PC-1/").json()
    assert asset["price"] == "6000.00" and asset["book_value"] is not None
    assert client.get("/api/v1/book-value/", {"unit": "CZ-WJ"}).status_code == 403  # outside the user's scope
