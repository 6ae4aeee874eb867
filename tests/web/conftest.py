"""Fixtures of the web page tests: one headless Chromium per session, pages signed in as a given user, and a
folder for the screenshots the tests save (test-artifacts/web/, not committed)."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

# The tracking tests' city (layers, vehicles V1..V8 of CZ-TN-01), a real `qm ingest` and an MQTT publisher.
from tests.support.browser import CHROMIUM, orm_allowed_under_playwright
from tests.telematics.tracking.conftest import city, ingest, publisher  # noqa: F401 - fixtures

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


@pytest.fixture(scope="package")
def chromium():
    """One Chromium for the web tests, stopped when they are done: Playwright's sync API refuses to start while
    another instance's loop runs, so the other packages' browser tests could not start theirs after this."""
    from playwright.sync_api import sync_playwright

    with orm_allowed_under_playwright(), sync_playwright() as p:
        browser = p.chromium.launch(**CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """browser_page(user=None) -> a Playwright page (signed in as `user` when given); closed at teardown."""
    contexts, pages = [], []

    def open_page(user=None, viewport=(1400, 900)):
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN")
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                                  "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                                  "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.errors = []  # uncaught script errors: a test asserts there were none
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and print("browser console:", msg.text))
        pages.append(page)
        return page
    yield open_page
    for page in pages:
        if page.errors:
            print("script errors on", page.url, page.errors)  # shown with a failing test's output
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """screenshot(page, name): saves test-artifacts/web/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path
    return save
