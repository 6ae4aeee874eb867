"""The OpenAPI schema of the whole project generates without a warning and validates; every registry object and
custody action is in it, the ledger only for reading; the docs page renders in Chromium with no request leaving
the app (Swagger UI from drf-spectacular-sidecar)."""
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.test import Client, override_settings
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats

from tests.support.browser import CHROMIUM

REGISTRY = ["units", "personnel", "categories", "item-types", "assets", "custody-events", "change-records", "users"]
CUSTODY_ACTIONS = ["issue", "return", "transfer", "report-lost", "repair-out", "repair-in", "retire"]


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    """`qm spectacular --fail-on-warn --validate` over every app's routes (it raises on any warning or error)."""
    target = tmp_path_factory.mktemp("openapi") / "schema.yml"
    reset_generator_stats()
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    assert not GENERATOR_STATS, "schema generation warned"
    return yaml.safe_load(target.read_text())


def test_schema_has_every_registry_object_and_custody_action(schema):
    paths = schema["paths"]
    for name in REGISTRY:
        assert {"get"} <= set(paths[f"/api/v1/{name}/"]), name
        detail = paths.get(f"/api/v1/{name}/{{id}}/") or paths.get(f"/api/v1/{name}/{{code}}/", {})
        assert "get" in detail, name
    for action in CUSTODY_ACTIONS:
        assert set(paths[f"/api/v1/assets/{{id}}/{action}/"]) == {"post"}, action
    assert set(paths["/api/v1/assets/receive/"]) == {"post"}
    assert "delete" not in paths["/api/v1/assets/{id}/"]


def test_ledger_and_change_log_are_read_only_in_the_schema(schema):
    for name in ("custody-events", "change-records"):
        assert set(schema["paths"][f"/api/v1/{name}/"]) == {"get"}
        assert set(schema["paths"][f"/api/v1/{name}/{{id}}/"]) == {"get"}


def test_schema_covers_the_other_apps_and_auth(schema):
    paths = schema["paths"]
    assert "/api/v1/alerts/" in paths and "/api/v1/vehicles/" in paths
    assert "/api/v1/vehicles/{id}/dossier.pdf" in paths and "/api/v1/vehicles/{id}/dossier.pdf/" not in paths
    assert set(schema["components"]["securitySchemes"]) >= {"tokenAuth", "cookieAuth"}


@pytest.mark.browser
@pytest.mark.django_db
@override_settings(DEBUG=True)  # outside debug mode the docs are behind the login (tests.web.test_pages)
def test_docs_page_renders_offline():
    """Chromium asks for http://qm.test/…; each request is answered by Django's test client, and any request to
    another host is refused and recorded, so the page can only work with the app's own assets."""
    from playwright.sync_api import sync_playwright

    django = Client()
    elsewhere: list[str] = []

    def serve(route):
        url = urlsplit(route.request.url)
        if url.hostname != "qm.test":
            elsewhere.append(route.request.url)
            route.abort()
            return
        response = django.get(f"{url.path}?{url.query}" if url.query else url.path,
                              HTTP_ACCEPT=route.request.headers.get("accept", "*/*"))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        route.fulfill(status=response.status_code, headers=dict(response.items()), body=body)

    with sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            # Tall: Swagger UI renders only the operations near the viewport, and the alerts' tags come before assets.
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            page.route("**/*", serve)
            page.goto("http://qm.test/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
            assert "Quartermaster API" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector("#operations-assets-assets_list")  # operations render (virtualised)
            issue = page.evaluate("!!ui.specSelectors.specJson().getIn(['paths', '/api/v1/assets/{id}/issue/', 'post'])")
            assert issue, "the docs page's schema lacks the issue action"
        finally:
            browser.close()
    assert elsewhere == [], f"the docs page reached outside the app: {elsewhere}"
