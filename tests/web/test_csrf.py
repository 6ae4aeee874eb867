"""Cross-site request forgery: with a signed-in session and no CSRF token, every page and every API route refuses
a state-changing method (403, or 405 where the method is not offered) and nothing changes — checked over the whole
URL conf, so a view exempted by mistake, or a new one, cannot slip through."""
import pytest
from django.test import Client
from rest_framework.test import APIClient

from assets.choices import UserRole
from tests.support.api_cases import WorldTestCase, api_routes, ledger_and_log_state, page_routes, placeholder_url

pytestmark = pytest.mark.django_db


def _url(pattern) -> str:
    return "/start/auditor/" if pattern.name == "role-start" else placeholder_url(pattern)


class TestWithoutTheToken(WorldTestCase):
    def test_every_page_refuses_a_post(self, world):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.users[UserRole.ADMINISTRATOR])
        before = ledger_and_log_state()
        answers = {name: client.post(_url(pattern), {}).status_code for name, pattern in page_routes()}
        assert {name: code for name, code in answers.items() if code not in (403, 405)} == {}
        assert ledger_and_log_state() == before

    def test_every_api_route_refuses_an_unsafe_method_on_a_session(self, world):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(world.users[UserRole.ADMINISTRATOR])  # a session, as the pages' scripts use
        before = ledger_and_log_state()
        answers = {}
        for name, method, pattern in api_routes():
            # Safe methods (DRF adds `head` to a route's actions once it has answered a GET) are not checked; the token
            # endpoint takes credentials, not the session.
            if method in ("get", "head", "options") or name == "api-token":
                continue
            answers[f"{name} {method}"] = getattr(client, method)(placeholder_url(pattern), {}, format="json")
        assert {key: r.status_code for key, r in answers.items() if r.status_code not in (403, 405)} == {}
        assert all("CSRF" in r.json()["detail"] for r in answers.values() if r.status_code == 403)
        assert ledger_and_log_state() == before

    def test_the_token_is_what_lets_a_post_through(self, world):
        """The refusals above are the CSRF check's, not the role's: the same post with the token is accepted."""
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.users[UserRole.ADMINISTRATOR])
        client.get("/notifications/settings/")
        token = client.cookies["csrftoken"].value
        assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 403
        assert client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token}
                           ).status_code == 302
