"""The OpenAPI schema describes what the API really returns: every GET operation is called on a seeded bureau
(lists, then each detail and action with an id taken from its list) and the answer's status, media type and JSON
body are checked against the schema the project publishes."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import jsonschema
import pytest
from rest_framework.test import APIClient

from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db

SH = dt.timezone(dt.timedelta(hours=8))
PARAM = re.compile(r"\{([^}]+)\}")


def openapi_to_jsonschema(node):
    """OpenAPI 3.0 schema objects as JSON Schema 2020-12: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [openapi_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: openapi_to_jsonschema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


class Conformance:
    """Checks responses against the published schema (generated in-process, as `qm spectacular` writes it)."""

    def __init__(self):
        from drf_spectacular.generators import SchemaGenerator

        self.schema = SchemaGenerator().get_schema(request=None, public=True)
        self.components = openapi_to_jsonschema(self.schema.get("components", {}))
        self.problems: list[str] = []

    def check(self, template: str, method: str, response) -> None:
        operation = self.schema["paths"][template][method]
        where = f"{method.upper()} {response.request['PATH_INFO']}"
        documented = operation.get("responses", {})
        status = str(response.status_code)
        if status not in documented:
            self.problems.append(f"{where}: status {status} is not documented ({', '.join(documented)})")
            return
        content = documented[status].get("content")
        media = response.get("Content-Type", "").split(";")[0].strip()
        if not content:
            if response.content:
                self.problems.append(f"{where}: {status} has a body ({media}) the schema does not describe")
            return
        if media not in content:
            self.problems.append(f"{where}: {status} is {media}, the schema says {', '.join(content)}")
            return
        if media != "application/json":
            return
        schema = openapi_to_jsonschema(content[media].get("schema", {}))
        validator = jsonschema.Draft202012Validator({**schema, "components": self.components},
                                                    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        for error in list(validator.iter_errors(response.json()))[:3]:
            path = "/".join(str(p) for p in error.absolute_path)
            self.problems.append(f"{where}: {status} body at '{path}': {error.message[:200]}")


def seed() -> None:
    """A bureau with something in every list: the sample workbook, the sample city, a vehicle's file, trips,
    alerts, fixes, receipts, a departure, a snapshot."""
    import tempfile

    from django.utils import timezone

    from assets import services as ledger
    from assets.models import Person
    from compliance.services import compliance_report, compliance_snapshot_save, unit_by_code
    from telematics import services as fleet
    from telematics.models import Vehicle
    from telematics.tracking.models import Alert, Leg
    from telematics.tracking.store import PositionRow, store_positions
    from tests.telematics.tracking.conftest import load_city
    from uniforms import services as kit
    from workbook import import_workbook
    from workbook.sample_bureau import build_sample_workbook

    with tempfile.TemporaryDirectory() as tmp:
        import_workbook(build_sample_workbook(Path(tmp) / "bureau"))
    load_city()
    vehicle = Vehicle.objects.exclude(terminal_id=None).exclude(terminal_id="").first()
    fleet.maintenance_record_create(vehicle=vehicle, date=dt.date(2026, 5, 1), work_done="保养", cost="1.00",
                                    workshop="修理厂")
    now = timezone.now().replace(microsecond=0)
    store_positions([PositionRow(terminal=vehicle.terminal_id, ts=now - dt.timedelta(minutes=m), vehicle_id=vehicle.pk,
                                 lat=31.79, lon=119.96, speed=0.0, heading=0.0, acc=True, seq=None,
                                 grid_code="320402001001011", venue_id=None, received_at=now) for m in range(3)])
    Leg.objects.create(vehicle_id=vehicle.pk, ts=now - dt.timedelta(hours=1), dist_m=1200, secs=300, moving=True)
    Alert.objects.create(vehicle=vehicle, terminal=vehicle.terminal_id, kind="venue_parking",
                         clause="执法规范/执法行为/装备使用规范/1", started_at=now - dt.timedelta(hours=2),
                         ended_at=now - dt.timedelta(hours=1), venue="老街酒楼", grid_code="320402001001011",
                         lat=31.79, lon=119.96)
    Alert.objects.create(vehicle=vehicle, terminal=vehicle.terminal_id, kind="terminal_silent", clause="",
                         started_at=now - dt.timedelta(minutes=40))
    officer = Person.objects.filter(role="officer", status="active").first()
    stock = ledger.asset_create(tag="CONF-1", category="radio", unit=officer.unit, item="对讲机")
    kit.handover_commit(mode="issue", tags=[stock.tag], person=officer, note="conformance")
    leaving = Person.objects.filter(role="officer", status="active").exclude(pk=officer.pk).first()
    kit.person_depart(person=leaving, kind="transferred")
    report = compliance_report(unit=unit_by_code("CZ"), standard_id="jiangsu",
                               as_of=timezone.localdate())
    compliance_snapshot_save(report=report, unit=unit_by_code("CZ"))


def _params(template: str) -> list[str]:
    return PARAM.findall(template)


def _parent(template: str) -> str | None:
    """The list a detail path takes its id from: /a/{id}/b/ -> /a/."""
    match = re.match(r"^(.*?/)\{[^}]+\}", template)
    return match[1] if match else None


def test_every_get_answers_as_the_schema_says():
    conformance = Conformance()
    seed()
    client = APIClient()
    client.force_authenticate(make_user("schema-admin", "administrator", superuser=True))
    firsts: dict[str, dict] = {}
    gets = sorted(t for t, ops in conformance.schema["paths"].items() if "get" in ops)
    checked = 0
    for template in (t for t in gets if not _params(t)):
        response = client.get(template)
        conformance.check(template, "get", response)
        checked += 1
        if response.status_code == 200 and response.get("Content-Type", "").startswith("application/json"):
            body = response.json()
            rows = body.get("results") if isinstance(body, dict) else body
            if isinstance(rows, list) and rows and isinstance(rows[0], dict):
                firsts[template] = rows[0]
    for template in (t for t in gets if _params(t)):
        row = firsts.get(_parent(template) or "")
        if row is None:
            continue
        names = _params(template)
        value = row.get(names[0], row.get("id"))
        if value is None:
            continue
        path = template.replace("{" + names[0] + "}", str(value))
        if _params(path):
            continue
        conformance.check(template, "get", client.get(path))
        checked += 1
    assert checked > 40
    assert conformance.problems == [], "\n".join(conformance.problems)
