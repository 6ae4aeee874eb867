"""pytest fixtures shared by every test package: a small bureau, users per role, API clients."""
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from assets import services
from assets.models import Profile


@pytest.fixture
def bureau(db):
    """局 CZ → 支队 CZ-ZD → 大队 CZ-TN, CZ-WJ → 中队 CZ-TN-01, CZ-TN-02, CZ-WJ-01; one officer and one auxiliary."""
    return build_bureau()


def build_bureau() -> dict:
    """The `bureau` fixture's rows, for fixtures of a wider scope (tests.support.api_cases builds it per class)."""
    root = services.unit_create(code="CZ", name="常州市城市管理局", kind="bureau", population=5_000_000)
    zd = services.unit_create(code="CZ-ZD", name="执法支队", kind="detachment", parent=root)
    tn = services.unit_create(code="CZ-TN", name="天宁大队", kind="brigade", parent=zd, population=600_000)
    wj = services.unit_create(code="CZ-WJ", name="武进大队", kind="brigade", parent=zd, population=1_500_000)
    units = {u.code: u for u in (root, zd, tn, wj)}
    for code, parent in (("CZ-TN-01", tn), ("CZ-TN-02", tn), ("CZ-WJ-01", wj)):
        units[code] = services.unit_create(code=code, name=f"{code}中队", kind="squadron", parent=parent)
    officer = services.person_create(staff_no="P001", name="张三", unit=units["CZ-TN-01"], role="officer",
                                     frontline=True, cert_no="JS0001", cert_expires=dt.date(2030, 1, 1),
                                     badge_no="320401001")
    auxiliary = services.person_create(staff_no="A001", name="李四", unit=units["CZ-TN-01"], role="auxiliary")
    return {"units": units, "officer": officer, "auxiliary": auxiliary}


def make_user(username: str, role: str | None, unit=None, superuser: bool = False):
    user = get_user_model().objects.create_user(username=username, password="pass-12345",
                                                is_superuser=superuser, is_staff=superuser or role is not None)
    if role:
        Profile.objects.create(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def api_client_for():
    """api_client_for(user) -> an APIClient authenticated as that user."""
    def build(user):
        client = APIClient()
        client.force_authenticate(user)
        return client
    return build
