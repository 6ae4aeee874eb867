"""Sign-in protection: repeated failures lock a username out of the login page and the token endpoint alike, the
right password included, until the window has passed; tokens expire (issue #14)."""
import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from quartermaster.models import LoginFailure
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(bureau, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.QM_LOGIN_MAX_FAILURES = 3
    settings.QM_LOGIN_LOCKOUT_MINUTES = 15
    return make_user("keeper", "logistics", bureau["units"]["CZ-TN"])


def _page_login(password):
    return Client().post("/accounts/login/", {"username": "keeper", "password": password})


def _token(password):
    return APIClient().post("/api/v1/auth/token/", {"username": "keeper", "password": password})


def test_failures_on_the_page_lock_the_token_endpoint_too(user):
    for _ in range(3):
        assert _page_login("wrong").status_code == 200  # the form again, with an error
    response = _page_login("pass-12345")
    assert response.status_code == 200 and "锁定" in response.content.decode()
    response = _token("pass-12345")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not Token.objects.exists()


def test_failures_on_the_token_endpoint_lock_the_page_too(user):
    for _ in range(3):
        assert _token("wrong").status_code == 400
    assert _token("pass-12345").status_code == 429
    assert _page_login("pass-12345").status_code == 200  # not redirected: still locked


def test_the_lockout_ends_with_its_window_and_a_success_clears_the_count(user):
    for _ in range(3):
        _token("wrong")
    LoginFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert _token("pass-12345").status_code == 200
    assert not LoginFailure.objects.filter(username="keeper").exists()
    response = _page_login("pass-12345")
    assert response.status_code == 302 and response["Location"] == "/"


def test_other_usernames_are_not_locked(user, bureau):
    make_user("other", "auditor", bureau["units"]["CZ-TN"])
    for _ in range(3):
        _token("wrong")
    assert APIClient().post("/api/v1/auth/token/", {"username": "other", "password": "pass-12345"}).status_code == 200


def test_tokens_expire_and_a_new_one_is_issued(user, settings):
    settings.QM_TOKEN_TTL_HOURS = 24
    response = _token("pass-12345")
    key = response.json()["token"]
    assert response.json()["expires"] is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/assets/").status_code == 200
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(hours=25))
    response = client.get("/api/v1/assets/")
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    fresh = _token("pass-12345").json()["token"]
    assert fresh != key
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert client.get("/api/v1/assets/").status_code == 200
    settings.QM_TOKEN_TTL_HOURS = 0
    Token.objects.filter(key=fresh).update(created=timezone.now() - dt.timedelta(days=400))
    assert client.get("/api/v1/assets/").status_code == 200
