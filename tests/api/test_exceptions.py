"""Inputs the fuzz found turning into 500s, each now a 4xx (or a plain answer) with a JSON object body."""
import pytest

from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(bureau, api_client_for):
    return api_client_for(make_user("admin", "administrator", superuser=True))


def test_a_nul_character_in_the_input_is_a_400(client):
    r = client.post("/api/v1/officer-sizes/", {"person": "P\x00", "item_type": "cap", "size": "57"}, format="json")
    assert r.status_code == 400 and isinstance(r.json(), dict)
    r = client.get("/api/v1/personnel/?staff_no=P%00")
    assert r.status_code in (200, 400) and isinstance(r.json(), dict)


def test_an_offset_postgresql_does_not_know_is_moved_to_utc(client):
    """ISO 8601 allows +23:19; PostgreSQL stops at ±15:59."""
    r = client.get("/api/v1/change-records/", {"at__gte": "2026-08-15T05:59:01+23:19"})
    assert r.status_code == 200, r.content
    r = client.get("/api/v1/change-records/", {"at__gte": "0001-01-01T00:00:00+05:00"})
    assert r.status_code == 400 and "out of range" in str(r.json())


def test_the_dossier_of_an_id_that_is_no_number_is_a_404_not_a_redirect(client):
    assert client.get("/api/v1/vehicles/-1/dossier.pdf").status_code == 404
