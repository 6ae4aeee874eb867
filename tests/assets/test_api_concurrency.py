"""Real concurrent API requests on PostgreSQL: creates racing for the same tag, plate or staff number give one
201 and 4xx for the rest, never a 500 (the service's duplicate check passes for all, the unique index decides)."""
import json
import threading
import urllib.error
import urllib.request

import pytest

from assets.models import Asset, Person
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 30


def _token(base: str) -> str:
    request = urllib.request.Request(f"{base}/api/v1/auth/token/", method="POST",
                                     data=json.dumps({"username": "admin", "password": "pass-12345"}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def _race(base: str, token: str, path: str, body: dict) -> list[int]:
    """RACERS threads post `body` to `path` at the same moment; their status codes."""
    barrier = threading.Barrier(RACERS)
    codes: list[int] = []

    def post():
        request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": f"Token {token}"})
        barrier.wait()
        for _attempt in range(5):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    codes.append(response.status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
            except (ConnectionError, urllib.error.URLError):
                continue  # the test server's small listen queue turned the connection away: send it again
            return

    threads = [threading.Thread(target=post) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(codes) == RACERS, f"only {len(codes)} of {RACERS} requests were answered"
    return codes


def test_concurrent_creates_with_the_same_key_get_one_201_and_conflicts(live_server, bureau):
    make_user("admin", "administrator", superuser=True)
    token = _token(live_server.url)
    codes = _race(live_server.url, token, "/api/v1/assets/", {"tag": "RACE-1", "category": "radio", "unit": "CZ-TN"})
    assert codes.count(201) == 1 and all(c in (400, 409) for c in codes if c != 201), sorted(codes)
    assert Asset.objects.filter(tag="RACE-1").count() == 1
    codes = _race(live_server.url, token, "/api/v1/personnel/",
                  {"staff_no": "RACE-P", "name": "赛跑", "unit": "CZ-TN", "role": "officer"})
    assert codes.count(201) == 1 and all(c in (400, 409) for c in codes if c != 201), sorted(codes)
    assert Person.objects.filter(staff_no="RACE-P").count() == 1
