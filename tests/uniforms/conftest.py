"""Fixtures of the uniforms tests: uniform stock, sizes and a logistics user on top of the shared bureau."""
import pytest

from assets import services as ledger
from assets.models import ItemType
from tests.support.fixtures import make_user


def item_type(code: str) -> ItemType:
    return ItemType.objects.get(category_id="uniform", code=code)


def stock(unit, item: str, size: str, count: int, prefix: str, category: str = "uniform", **kw):
    """`count` in-stock assets of one item and size, tagged `prefix`-1…"""
    return [ledger.asset_create(tag=f"{prefix}-{i}", category=category, unit=unit, item=item, size=size, **kw)
            for i in range(1, count + 1)]


@pytest.fixture
def logistics(bureau):
    return make_user("logi", "logistics", unit=bureau["units"]["CZ-TN"])


@pytest.fixture
def auditor(bureau):
    return make_user("audit", "auditor", unit=bureau["units"]["CZ"])


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are made in many tests; the production hasher's cost would dominate their run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
