"""Dead letters carry raw positions: administrators read them all, fleet managers those of their scope's terminals
(bound now or before), every other role none (issue #14)."""
import pytest
from django.utils import timezone

from telematics import services as fleet
from telematics.tracking.models import DeadLetter
from tests.support.fixtures import make_user

from ...telematics.factories import make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def letters(bureau):
    units = bureau["units"]
    make_vehicle(units["CZ-TN-01"], plate="苏D·TN001", terminal_id="T-TN")
    gone = make_vehicle(units["CZ-TN-01"], plate="苏D·TN002", terminal_id="T-OLD", vin="LSVAB2BM5KN000002")
    fleet.vehicle_unbind_terminal(vehicle=gone)
    make_vehicle(units["CZ-WJ-01"], plate="苏D·WJ001", terminal_id="T-WJ", vin="LSVAB2BM5KN000003")
    now = timezone.now()
    for terminal, reason in (("T-TN", "duplicate"), ("T-OLD", "unknown_terminal"), ("T-WJ", "out_of_range"),
                             ("T-NONE", "unknown_terminal")):
        DeadLetter.objects.create(topic=f"qm/terminals/{terminal}/position", payload='{"lat": 31.7, "lon": 119.9}',
                                  reason=reason, terminal=terminal, received_at=now)
    return units


def _terminals(client) -> set[str]:
    response = client.get("/api/v1/deadletters/", {"page_size": 100})
    assert response.status_code == 200, response.content
    return {row["terminal"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", ["logistics", "auditor"])
def test_roles_without_fleet_work_read_no_dead_letters(letters, api_client_for, role):
    client = api_client_for(make_user(f"{role}-cz", role, letters["CZ"]))
    assert client.get("/api/v1/deadletters/").status_code == 403
    assert client.get("/api/v1/deadletters/counts/").status_code == 403
    letter = DeadLetter.objects.get(terminal="T-WJ")
    assert client.get(f"/api/v1/deadletters/{letter.pk}/").status_code == 403


def test_a_brigade_fleet_manager_reads_the_dead_letters_of_its_terminals_only(letters, api_client_for):
    client = api_client_for(make_user("fleet-tn", "fleet", letters["CZ-TN"]))
    assert _terminals(client) == {"T-TN", "T-OLD"}
    assert client.get("/api/v1/deadletters/counts/").json() == {"duplicate": 1, "unknown_terminal": 1}
    outside = DeadLetter.objects.get(terminal="T-WJ")
    assert client.get(f"/api/v1/deadletters/{outside.pk}/").status_code == 404


def test_administrators_and_bureau_wide_fleet_managers_read_them_all(letters, api_client_for):
    everything = {"T-TN", "T-OLD", "T-WJ", "T-NONE"}
    assert _terminals(api_client_for(make_user("root", None, superuser=True))) == everything
    assert _terminals(api_client_for(make_user("fleet-cz", "fleet", letters["CZ"]))) == everything
