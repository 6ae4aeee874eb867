"""Open redirects: the login form and the language switch follow `next` only within the site; another host (any
spelling a browser would still take to it) lands on the start page or the site's root instead."""
import pytest
from django.test import Client

from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db

ELSEWHERE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/",
             "http:evil.example", "https:/\\evil.example", " //evil.example", "javascript:alert(1)",
             "http://testserver@evil.example/"]


def _landing(response) -> str:
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_login_does_not_leave_the_site(target, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("fleet", "fleet")
    landing = _landing(Client().post("/accounts/login/", {"username": "fleet", "password": "pass-12345",
                                                          "next": target}))
    assert landing == "/", landing


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_language_switch_does_not_leave_the_site(target):
    landing = _landing(Client().post("/i18n/setlang/", {"language": "en", "next": target}))
    assert landing == "/", landing
    landing = _landing(Client().post("/i18n/setlang/", {"language": "en"}, headers={"referer": target}))
    assert landing == "/", landing


def test_next_within_the_site_is_followed(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_user("fleet", "fleet")
    landing = _landing(Client().post("/accounts/login/", {"username": "fleet", "password": "pass-12345",
                                                          "next": "/vehicles/?page=2"}))
    assert landing == "/vehicles/?page=2"
    assert _landing(Client().post("/i18n/setlang/", {"language": "en", "next": "/vehicles/"})) == "/vehicles/"
