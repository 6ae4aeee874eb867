"""Fixtures of the uniforms tests: uniform stock, sizes and a logistics user on top of the shared bureau."""
import importlib

import pytest
from django.apps import apps

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


# The migrations that seed rows (not schema): categories and item types, then the uniform entitlements.
SEED_MIGRATIONS = ("assets.migrations.0002_seed_and_append_only", "uniforms.migrations.0002_seed_entitlements")


@pytest.fixture
def seeded(transactional_db):
    """The seeded rows, put back for a transactional test.

    A transactional test before this one may have flushed every table; its flush then re-ran post_migrate,
    which recreated the content types under new ids, so `serialized_rollback` can no longer restore the
    snapshot taken after migrating (it fails on the duplicate (app_label, model) of a content type).
    Re-running the seed functions is idempotent (update_or_create / get_or_create) and needs no snapshot.
    """
    for name in SEED_MIGRATIONS:
        importlib.import_module(name).seed(apps, None)
