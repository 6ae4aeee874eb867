"""The role × action matrix over every API route (tests.support.api_cases.ROUTES), discovered from the URL conf:
each role is allowed exactly where the matrix says, refused calls answer 403 and change nothing."""
import pytest
from rest_framework.test import APIClient

from assets.models import Asset, ChangeRecord, CustodyEvent
from tests.support.api_cases import (
    BUREAU_WIDE_WRITES, PUBLIC, ROLES, ROUTES, WorldTestCase, api_routes, placeholder_url,
)

pytestmark = pytest.mark.django_db
ROUTE_CASES = api_routes()


def _state():
    return (CustodyEvent.objects.count(), ChangeRecord.objects.count(),
            list(Asset.objects.order_by("pk").values_list("pk", "status", "unit_id", "holder_person_id")))


def test_every_api_route_is_in_the_matrix():
    missing = sorted({f"{name} {method}" for name, method, _ in ROUTE_CASES
                      if method not in ROUTES.get(name, {})})
    assert missing == [], "routes without a row in tests.support.api_cases.ROUTES"
    stale = sorted({name for name in ROUTES} - {name for name, _, _ in ROUTE_CASES})
    assert stale == [], "matrix rows for routes that no longer exist"


def _call(client, method, url):
    return getattr(client, method)(url, {} if method != "get" else None, format="json")


@pytest.mark.parametrize(("name", "method", "pattern"), ROUTE_CASES, ids=[f"{n}-{m}" for n, m, _ in ROUTE_CASES])
class TestRouteMatrix(WorldTestCase):
    def test_anonymous(self, world, name, method, pattern):
        response = _call(APIClient(), method, placeholder_url(pattern))
        if ROUTES[name][method] == PUBLIC:
            assert response.status_code not in (401, 403)
        else:
            assert response.status_code in (401, 405), response.content

    @pytest.mark.parametrize("role", ROLES)
    def test_role(self, world, name, method, pattern, role):
        allowed = ROUTES[name][method]
        if allowed == PUBLIC:
            return
        before = _state()
        response = _call(world.client(role), method, placeholder_url(pattern))
        if role in allowed:
            assert response.status_code not in (401, 403), response.content
        else:
            assert response.status_code in (403, 405), response.content
            assert _state() == before, "a refused call changed something"


@pytest.mark.parametrize("name", sorted(BUREAU_WIDE_WRITES))
@pytest.mark.parametrize("role", ROLES)
class TestBureauWideWrites(WorldTestCase):
    def test_whole_bureau_scope(self, world, name, role):
        pattern = next(p for n, m, p in ROUTE_CASES if n == name and m == "post")
        response = world.whole_client(role).post(placeholder_url(pattern), {}, format="multipart"
                                                 if name == "gis-layer-list" else "json")
        if role in BUREAU_WIDE_WRITES[name]:
            assert response.status_code not in (401, 403), response.content
        else:
            assert response.status_code == 403, response.content
