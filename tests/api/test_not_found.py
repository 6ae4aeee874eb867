"""A URL under /api/ that matches no route answers in JSON (a client parses every API answer the same way); a page
URL keeps the styled HTML page."""
import pytest
from rest_framework.test import APIClient

from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db


def test_an_unmatched_api_path_answers_json_404():
    client = APIClient()
    client.force_authenticate(make_user("nf-admin", "administrator", superuser=True))
    response = client.get("/api/v1/vehicles/-1/track/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found"
    assert "/api/v1/vehicles/-1/track/" in response.json()["detail"]


def test_an_unmatched_page_path_keeps_the_html_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
