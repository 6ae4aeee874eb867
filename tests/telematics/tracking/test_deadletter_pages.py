"""The dead letters page (tracking.views): listed within the scope, exported, and retried by administrators
through decode/validate/enrich/store — a terminal still unknown stays a dead letter with the same reason."""
import json
import time

import pytest
from django.test import Client

from telematics.models import Vehicle
from telematics.tracking.models import DeadLetter, Position
from telematics.tracking.pipeline import Message, Pipeline
from tests.support.fixtures import make_user

from .conftest import fix

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _dead_letter(terminal: str) -> DeadLetter:
    Pipeline().process([Message(f"qm/terminals/{terminal}/position",
                                json.dumps(fix(time.time() - 600, 119.95, 31.78)).encode())])
    return DeadLetter.objects.get(terminal=terminal)


def test_an_unknown_terminal_stays_a_dead_letter_until_it_is_bound(city):
    letter = _dead_letter("T0999")
    assert letter.reason == "unknown_terminal"
    admin = _client(make_user("admin", "administrator"))
    page = admin.post(f"/deadletters/{letter.pk}/retry/", follow=True)
    assert page.status_code == 200
    kept = DeadLetter.objects.get(pk=letter.pk)
    assert (kept.reason, kept.payload, kept.received_at) == (letter.reason, letter.payload, letter.received_at)
    assert DeadLetter.objects.count() == 1 and not Position.objects.filter(terminal="T0999").exists()
    assert "仍无法入库" in page.content.decode()

    Vehicle.objects.filter(terminal_id="T0001").update(terminal_id="T0999")
    page = admin.post(f"/deadletters/{letter.pk}/retry/", follow=True)
    assert "已重新处理并入库" in page.content.decode()
    assert not DeadLetter.objects.exists()
    assert Position.objects.filter(terminal="T0999").count() == 1


def test_only_administrators_retry_and_fleet_officers_see_their_scope(city, bureau):
    unknown = _dead_letter("T0999")
    DeadLetter.objects.create(topic="qm/terminals/T0002/position", payload="{", reason="bad_json",
                              terminal="T0002", received_at=unknown.received_at)
    Vehicle.objects.create(plate="苏D·W0001", unit=bureau["units"]["CZ-WJ-01"], seats=5, terminal_id="W0001")
    DeadLetter.objects.create(topic="qm/terminals/W0001/position", payload="{", reason="bad_json", terminal="W0001",
                              received_at=unknown.received_at)
    fleet = _client(make_user("fleet-tn", "fleet", bureau["units"]["CZ-TN"]))
    assert fleet.post(f"/deadletters/{unknown.pk}/retry/").status_code == 403
    page = fleet.get("/deadletters/").content.decode()
    # An unknown terminal was never bound in the brigade: only the whole bureau sees it.
    assert "T0002" in page and "W0001" not in page and "T0999" not in page and "data-retry" not in page
    export = fleet.get("/deadletters/?export=csv&reason=bad_json")
    assert export["Content-Type"].startswith("text/csv") and "W0001" not in export.content.decode()
    assert "data-retry" not in _client(make_user("admin", "administrator")).get("/deadletters/?reason=bad_json") \
        .content.decode()  # bad JSON is not cured by a retry: no button


def test_a_letter_that_a_retry_cannot_cure_is_refused(city):
    letter = DeadLetter.objects.create(topic="qm/terminals/T0001/position", payload="{", reason="bad_json",
                                       terminal="T0001", received_at=_dead_letter("T0998").received_at)
    admin = _client(make_user("admin", "administrator"))
    page = admin.post(f"/deadletters/{letter.pk}/retry/", follow=True).content.decode()
    assert DeadLetter.objects.filter(pk=letter.pk).exists() and "重试无法解决" in page
    assert "qm/terminals/T0001/position" in page  # the letter named by its topic, not its row id
