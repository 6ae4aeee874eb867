"""Registry endpoints: CRUD and the role × action × scope matrix (tests.support.api_cases), plus lookups,
filters and the change log written by API requests."""
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assets import services
from assets.choices import UserRole
from assets.models import Asset, Category, ChangeRecord, ItemType, OrgUnit, Person, Profile
from tests.support.api_cases import APIViewTestCase, build_world
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)


class TestOrgUnitAPI(APIViewTestCase):
    basename = "orgunit"
    model = OrgUnit
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.unit_create(code=f"T{n}", name=f"测试单位{n}", kind="office", parent=world.unit(inside=inside))

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"code": f"N{n}", "name": f"新单位{n}", "kind": "office", "parent": world.unit(inside=inside).code}

    def update_data(self, world, obj):
        return {"name": "改名单位", "population": 12345}


class TestPersonAPI(APIViewTestCase):
    basename = "person"
    model = Person
    write_roles = (UserRole.LOGISTICS,)
    actions = ("list", "retrieve", "create", "update")
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.person_create(staff_no=f"S{n}", name=f"人员{n}", unit=world.unit(inside=inside))

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"staff_no": f"C{n}", "name": f"新人{n}", "unit": world.unit(inside=inside).code, "role": "officer",
                "frontline": True}

    def update_data(self, world, obj):
        return {"name": "改名", "frontline": True}


class TestCategoryAPI(APIViewTestCase):
    basename = "category"
    model = Category
    scoped = False
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return Category.objects.create(code=f"cat{n}", name=f"类别{n}", name_en=f"Category {n}")

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"code": f"new{n}", "name": f"新类别{n}", "name_en": "New", "officer_only": False}

    def update_data(self, world, obj):
        return {"name_en": "Renamed"}


class TestItemTypeAPI(APIViewTestCase):
    basename = "itemtype"
    model = ItemType
    scoped = False
    write_roles = (UserRole.LOGISTICS,)
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return ItemType.objects.create(category_id="office", code=f"it{n}", name=f"品名{n}")

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"category": "protective", "code": f"new{n}", "name": f"新品名{n}", "service_years": 3}

    def update_data(self, world, obj):
        return {"name": "改名", "service_years": 5}


class TestAssetAPI(APIViewTestCase):
    basename = "asset"
    model = Asset
    write_roles = (UserRole.LOGISTICS,)
    actions = ("list", "retrieve", "create", "update")
    list_queries = 2

    def make_object(self, world, *, inside):
        n = next(_seq)
        return services.asset_create(tag=f"R-{n}", category="radio", item="对讲机", unit=world.unit(inside=inside))

    def create_data(self, world, *, inside):
        n = next(_seq)
        return {"tag": f"NEW-{n}", "category": "recorder", "unit": world.unit(inside=inside).code,
                "serial": f"SN{n}", "acquired": "2025-03-01", "note": "首批"}

    def update_data(self, world, obj):
        return {"serial": "SN-FIXED", "model": "DSJ-V9"}


class TestUserAPI(APIViewTestCase):
    basename = "user"
    model = get_user_model()
    read_roles = (UserRole.ADMINISTRATOR,)
    list_queries = 2

    def make_object(self, world, *, inside):
        return make_user(f"u{next(_seq)}", UserRole.AUDITOR, world.unit(inside=inside))

    def create_data(self, world, *, inside):
        return {"username": f"new{next(_seq)}", "password": "secret-123", "role": "logistics",
                "unit": world.unit(inside=inside).code}

    def update_data(self, world, obj):
        return {"first_name": "新名", "role": "fleet"}

    def state(self):
        return super().state(), list(Profile.objects.order_by("pk").values())
