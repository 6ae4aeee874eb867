"""The page matrix (tests.support.api_cases.PAGES) over every page of the URL conf: one gate for all of them —
anonymous users go to the login page, users without a role get the no-role page, roles as the matrix says; pages
of one row show rows of the user's scope only."""
import pytest
from django.test import Client, override_settings

from assets.choices import UserRole
from tests.support.api_cases import LOGIN, PAGES, PUBLIC, ROLES, WorldTestCase, page_routes, placeholder_url
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db
PAGE_CASES = page_routes()


def test_every_page_is_in_the_matrix():
    names = {name for name, _ in PAGE_CASES}
    assert sorted(names - set(PAGES)) == [], "pages without a row in tests.support.api_cases.PAGES"
    assert sorted(set(PAGES) - names) == [], "matrix rows for pages that no longer exist"


def _url(pattern) -> str:
    if pattern.name == "role-start":
        return "/start/auditor/"
    return placeholder_url(pattern)


def _get(client, url):
    # A streaming answer (the map's event stream) is left unread: closing it would end the request and close the
    # database connection under the class's shared transaction.
    return client.get(url)


@pytest.mark.parametrize(("name", "pattern"), PAGE_CASES, ids=[n for n, _ in PAGE_CASES])
class TestPageMatrix(WorldTestCase):
    def test_anonymous(self, world, name, pattern):
        response = _get(Client(), _url(pattern))
        if PAGES[name] == PUBLIC:
            assert response.status_code not in (401, 403)
        elif name == "schema":
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_without_a_role(self, world, name, pattern):
        if PAGES[name] in (PUBLIC, LOGIN):
            return
        client = Client()
        client.force_login(make_user("nobody", None))
        assert _get(client, _url(pattern)).status_code == 403

    @pytest.mark.parametrize("role", ROLES)
    def test_role(self, world, name, pattern, role):
        client = Client()
        client.force_login(world.users[role])
        response = _get(client, _url(pattern))
        allowed = PAGES[name]
        if name == "role-start":  # another role's start page: administrators only
            allowed = (UserRole.ADMINISTRATOR, UserRole.AUDITOR)
        if allowed in (PUBLIC, LOGIN) or role in allowed:
            assert response.status_code not in (401, 403), response.content[:300]
        else:
            assert response.status_code == 403


@override_settings(DEBUG=False)
def test_schema_and_docs_need_a_login_outside_debug_mode(bureau):
    assert Client().get("/api/schema/").status_code in (401, 403)
    assert Client().get("/api/docs/").status_code == 302
    client = Client()
    client.force_login(make_user("reader", "auditor", bureau["units"]["CZ-TN"]))
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_vehicle_pages_show_the_scope_only(bureau):
    from tests.telematics.factories import make_vehicle

    inside = make_vehicle(bureau["units"]["CZ-TN-01"], plate="苏D·IN001")
    outside = make_vehicle(bureau["units"]["CZ-WJ-01"], plate="苏D·OUT01", vin="LSVAB2BM5KN000009")
    client = Client()
    client.force_login(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    listing = client.get("/vehicles/").content.decode()
    assert "苏D·IN001" in listing and "苏D·OUT01" not in listing
    assert client.get(f"/vehicles/{inside.pk}/").status_code == 200
    assert client.get(f"/vehicles/{outside.pk}/").status_code == 404
    assert client.get(f"/vehicles/{outside.pk}/dossier.pdf").status_code == 404


def test_saved_reports_of_another_unit_are_refused(bureau):
    import datetime as dt

    from compliance import services as compliance

    def save(code):
        unit = bureau["units"][code]
        report = compliance.compliance_report(unit=unit, standard_id="jiangsu", as_of=dt.date(2026, 1, 5))
        return compliance.compliance_snapshot_save(report=report, unit=unit, user=None)

    ours, theirs = save("CZ-TN"), save("CZ-WJ")
    client = Client()
    client.force_login(make_user("audit-tn", "auditor", bureau["units"]["CZ-TN"]))
    assert client.get(f"/compliance/snapshots/{ours.pk}/").status_code == 200
    assert client.get(f"/compliance/snapshots/{theirs.pk}/").status_code == 403
    listing = client.get("/compliance/snapshots/").content.decode()
    assert f"/compliance/snapshots/{ours.pk}/" in listing and f"/compliance/snapshots/{theirs.pk}/" not in listing
