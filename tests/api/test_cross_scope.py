"""Cross-scope probe over the route matrix: REAL objects of another brigade are refused on every route taking an id.

tests/api/test_permissions.py and tests/web/test_pages.py call each route with ids that match nothing: they prove the
role gate, not the scope. Here one bureau (tests.support.api_cases.World: every user scoped to brigade CZ-TN, "A")
gets one object of each kind in brigade CZ-WJ ("B", squadron CZ-WJ-01); every API route and page whose URL takes an
id / code / tag / number is then called with B's real identifier by each role the matrix lets through, and must
answer 403 or 404 — never 200 with B's data — and, for unsafe methods, change nothing.

Which B object a route gets follows the model of the view's queryset (API) or PAGE_MODELS (pages): B_OBJECTS maps the
model to a builder. A route whose model is neither built nor listed in EXEMPT (with the reason) fails
`test_every_parameterised_route_is_probed`, so a new endpoint cannot skip the probe.

List endpoints are probed too: filtering by B's unit / person / vehicle / tag (every such filter a list declares, and
the plain ?unit= ?vehicle= ?person= ?holder=) as an A user returns no B rows.

Controls keep the probe honest: the same identifiers open B's objects for a user whose scope is the whole bureau
(`test_the_probe_names_real_objects`), and the same filters find B's rows for such a user (CONTROL_FILTERS).
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from assets import services
from assets.models import ChangeRecord
from tests.recorders import test_footage_api as footage_api
from tests.support.api_cases import (
    PAGES, PUBLIC, ROLES, ROUTES, World, WorldTestCase, api_routes, ledger_and_log_state, page_routes,
)
from tests.support.fixtures import make_user
from tests.telematics.api import test_views as fleet_api
from tests.telematics.register import test_api as register_api

pytestmark = pytest.mark.django_db

B_UNIT = "CZ-WJ-01"
SH = dt.timezone(dt.timedelta(hours=8))


# --- B's objects: one of each kind, built with the other test modules' own builders -----------------------------

def _person(world: World):
    return services.person_create(staff_no="B-P001", name="王五", unit=world.units[B_UNIT], role="officer")


def _asset(world: World):
    asset = services.asset_create(tag="B-RADIO-1", category="radio", item="对讲机", unit=world.units[B_UNIT])
    services.asset_issue(asset=asset, person=world.b_person)
    return asset


def _disposal(world: World):
    from assets.disposals import disposal_request

    asset = services.asset_create(tag="B-OLD-1", category="radio", item="对讲机", unit=world.units[B_UNIT])
    return disposal_request(unit=world.units[B_UNIT], assets=[asset], reason="损坏无法修复")


def _change_record(world: World):
    return ChangeRecord.objects.filter(object_id=str(world.b_person.pk), content_type__model="person").first()


def _snapshot(world: World):
    from compliance import services as compliance

    unit = world.units["CZ-WJ"]
    report = compliance.compliance_report(unit=unit, standard_id="jiangsu", as_of=dt.date(2026, 1, 5))
    return compliance.compliance_snapshot_save(report=report, unit=unit, user=None)


def _alert(world: World):
    from telematics.tracking.models import Alert

    at = dt.datetime(2026, 11, 20, 22, tzinfo=SH)
    return Alert.objects.create(vehicle=world.b_vehicle, terminal="B-T1", kind="off_duty_use", started_at=at,
                                ended_at=at + dt.timedelta(minutes=40), status="closed", clause="x")


DAY = dt.date(2026, 11, 2)


def _b_unit(world: World):
    return world.units[B_UNIT]


def _seal(world: World):
    from uniforms import services as uniforms

    seal = services.asset_create(tag="B-SEAL-1", category="seal", unit=_b_unit(world), item="公章")
    uniforms.seal_assign(seal=seal, custodian=world.b_person)
    return seal


def _seal_handover(world: World):
    from uniforms import services as uniforms

    other = services.person_create(staff_no="B-P002", name="赵六", unit=_b_unit(world), role="officer")
    return uniforms.seal_handover(seal=world.b_seal, outgoing=world.b_person, incoming=other)


def _seal_usage(world: World):
    from uniforms import services as uniforms

    return uniforms.seal_usage_log(seal=world.b_seal, used_on=DAY, document="通知 1 号", used_by=world.b_person)


def _badge(world: World):
    from uniforms import services as uniforms

    plate = services.asset_create(tag="B-BADGE-1", category="insignia", unit=_b_unit(world), item="胸号",
                                  serial="320412001")
    return uniforms.badge_issue(person=world.b_person, asset=plate)


def _certificate_loss(world: World):
    from uniforms import services as uniforms

    holder = services.person_create(staff_no="B-P003", name="钱七", unit=_b_unit(world), role="officer")
    uniforms.certificate_issue(person=holder, tag="B-CERT-1", number="JSB0001", expires_on=dt.date(2030, 1, 1))
    return uniforms.certificate_report_lost(person=holder, date_lost=DAY, date_reported=DAY)


def _departure(world: World):
    from uniforms import services as uniforms

    leaver = services.person_create(staff_no="B-P004", name="孙八", unit=_b_unit(world), role="officer")
    return uniforms.departure_open(person=leaver, kind="transferred", effective=DAY)


def _receipt(world: World):
    from uniforms import services as uniforms

    return uniforms.receipt_open(kind="issue", person=world.b_person)


def _officer_size(world: World):
    from tests.uniforms.conftest import item_type
    from uniforms import services as uniforms

    return uniforms.officer_size_set(person=world.b_person, item_type=item_type("cap"), size="57")


def _issue_round(world: World):
    from uniforms import services as uniforms

    return uniforms.issue_round_run(unit=_b_unit(world), season="summer")


def _storage_place(world: World):
    from uniforms import services as uniforms

    return uniforms.storage_place_create(unit=_b_unit(world), code="B-SHELF", name="武进库房")


def _stocktake(world: World):
    from uniforms import services as uniforms

    return uniforms.stocktake_start(unit=_b_unit(world))


def _annual_inventory(world: World):
    from uniforms import services as uniforms

    return uniforms.annual_inventory_plan(unit=world.units["CZ-WJ"], year=2026)


def _recorder_check(world: World):
    from recorders import services as recorders

    asset = services.asset_create(tag="B-REC-1", category="recorder", unit=_b_unit(world), item="执法记录仪")
    return recorders.recorder_check_record(asset=asset, checked_on=DAY, kind="pre_use", result="ok")


def _footage_inspection(world: World):
    from recorders import services as recorders

    return recorders.footage_inspection_record(inspected_on=DAY, inspector="赵六", unit=world.units["CZ-WJ"])


def _track_access(world: World):
    from telematics.tracking.models import TrackAccess

    return TrackAccess.objects.create(username="b-auditor", vehicle=world.b_vehicle, plate=world.b_vehicle.plate,
                                      end=dt.datetime(2026, 11, 1, 12, tzinfo=SH), purpose="案件核查",
                                      reasons="older", path="test")


def _dead_letter(world: World):
    from telematics.tracking.models import DeadLetter

    # scoped by terminal: the letters of terminals bound to a vehicle of the scope (telematics/tracking/policies.py)
    return DeadLetter.objects.create(topic="qm/pos/B-T1", payload='{"lat": 91}', reason="out_of_range",
                                     terminal="B-T1", received_at=dt.datetime(2026, 11, 20, 9, tzinfo=SH))


def _b_user(world: World):
    return get_user_model().objects.get(username="b-auditor")


def _robot(world: World):
    from quartermaster.notify.models import Robot

    return Robot.objects.create(user=_b_user(world), channel="wecom", name="武进群", url="https://x.test/?key=b")


def _subscription(world: World):
    from quartermaster.notify.models import Subscription

    return Subscription.objects.create(user=_b_user(world), name="武进告警")


def _notification(world: World):
    from quartermaster.notify.models import Notification

    return Notification.objects.create(user=_b_user(world), purpose="alert", title="武进告警", body="正文")


def _delivery(world: World):
    from quartermaster.notify.models import Delivery

    return Delivery.objects.create(user=_b_user(world), channel="email", purpose="alert", target="b@bureau.test",
                                   subject="武进告警", status="failed")


def _report_schedule(world: World):
    from quartermaster.notify.models import ReportSchedule

    schedule = ReportSchedule.objects.create(owner=_b_user(world), name="武进周报", kind="compliance", frequency="weekly",
                                             format="pdf", recipients="b@bureau.test",
                                             next_run_at=dt.datetime(2026, 11, 23, 8, tzinfo=SH))
    schedule.units.add(world.units["CZ-WJ"])
    return schedule


def _report_run(world: World):
    from quartermaster.notify.models import ReportRun, ReportSchedule

    schedule = ReportSchedule.objects.get(name="武进周报")
    return ReportRun.objects.create(schedule=schedule, scheduled_for=dt.datetime(2026, 11, 16, 8, tzinfo=SH),
                                    period_start=dt.date(2026, 11, 9), period_end=dt.date(2026, 11, 15),
                                    status="ok")


def _report_file(world: World):
    from quartermaster.notify.models import ReportFile, ReportRun

    return ReportFile.objects.create(run=ReportRun.objects.get(schedule__name="武进周报"), filename="b.pdf",
                                     content_type="application/pdf", content=b"%PDF-b", size=6)


def _png() -> bytes:
    """A real (tiny) PNG: the photo pages serve the file, so a leak answers 200 rather than a missing-file 404."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def _disposal_photo(world: World):
    from django.core.files.base import ContentFile

    from assets.models import DisposalPhoto

    photo = DisposalPhoto(request=world.b_disposal)
    photo.image.save("b.png", ContentFile(_png()), save=True)
    return photo


def _vehicle_photo(world: World):
    from django.core.files.base import ContentFile

    from telematics.models import VehiclePhoto

    photo = VehiclePhoto(vehicle=world.b_vehicle, caption="武进车辆")
    photo.image.save("b.png", ContentFile(_png()), save=True)
    world.b_vehicle.livery_photo.save("b-livery.png", ContentFile(_png()), save=True)
    return photo


def _case_attachment(world: World):
    from django.core.files.base import ContentFile

    from telematics.tracking.models import AlertCase, AlertCaseAttachment, AlertCaseEvent

    case, _ = AlertCase.objects.get_or_create(alert=world.b_alert, defaults={
        "state": "pending", "deadline": dt.datetime(2026, 11, 27, tzinfo=SH)})
    event = AlertCaseEvent.objects.create(case=case, action="note", from_state=case.state, to_state=case.state,
                                          text="附件")
    attachment = AlertCaseAttachment(event=event, name="order.pdf", content_type="application/pdf", size=6)
    attachment.file.save("order.pdf", ContentFile(b"%PDF-b"), save=True)
    return attachment


def _via(case_class):
    """B's object from an APIViewTestCase subclass's own `make_object` (out of scope = brigade CZ-WJ)."""
    return lambda world: case_class().make_object(world, inside=False)


def _on_b_vehicle(case_class):
    """A vehicle record of B's vehicle itself (so the list filters by B's vehicle and plate find it)."""
    return lambda world: case_class.service(vehicle=world.b_vehicle, **case_class().record_args())


B_OBJECTS = {
    "assets.OrgUnit": lambda world: world.units[B_UNIT],
    "assets.Person": lambda world: world.b_person,
    "assets.Asset": lambda world: world.b_asset,
    "assets.CustodyEvent": lambda world: world.b_asset.events.order_by("pk").last(),
    "assets.ChangeRecord": _change_record,
    "assets.DisposalRequest": lambda world: world.b_disposal,
    "assets.DisposalPhoto": _disposal_photo,
    "auth.User": lambda world: make_user("b-auditor", "auditor", world.units[B_UNIT]),
    "recorders.FootageRecord": _via(footage_api.TestFootageRecordAPI),
    "recorders.FootageRequest": _via(footage_api.TestFootageRequestAPI),
    "recorders.FootageAccessLog": _via(footage_api.TestFootageAccessLogAPI),
    "telematics.Vehicle": lambda world: world.b_vehicle,
    "telematics.VehicleHistory": _via(fleet_api.TestVehicleHistoryAPI),
    "telematics.TerminalBinding": _via(fleet_api.TestTerminalBindingAPI),
    "telematics.MaintenanceRecord": _on_b_vehicle(fleet_api.TestMaintenanceRecordAPI),
    "telematics.InsurancePolicy": _on_b_vehicle(fleet_api.TestInsurancePolicyAPI),
    "telematics.Inspection": _on_b_vehicle(fleet_api.TestInspectionAPI),
    "telematics.VehicleSeal": _via(fleet_api.TestVehicleSealAPI),
    "telematics.Trip": _via(fleet_api.TestTripAPI),
    "telematics.DutySchedule": _via(fleet_api.TestDutyScheduleAPI),
    "telematics.VehicleCost": _on_b_vehicle(register_api.TestVehicleCostAPI),
    "telematics.OdometerReading": _on_b_vehicle(register_api.TestOdometerReadingAPI),
    "tracking.Alert": lambda world: world.b_alert,
    "tracking.AlertCaseAttachment": _case_attachment,
    "telematics.VehiclePhoto": _vehicle_photo,
    "compliance.ComplianceSnapshot": _snapshot,
    "tracking.TrackAccess": _track_access,
    "tracking.DeadLetter": _dead_letter,
    "recorders.RecorderCheck": _recorder_check,
    "recorders.FootageInspection": _footage_inspection,
    "uniforms.SealHandover": _seal_handover,
    "uniforms.SealUsage": _seal_usage,
    "uniforms.BadgeNumberRecord": _badge,
    "uniforms.CertificateLossReport": _certificate_loss,
    "uniforms.Departure": _departure,
    "uniforms.HandoverReceipt": _receipt,
    "uniforms.OfficerSize": _officer_size,
    "uniforms.IssueRound": _issue_round,
    "uniforms.StoragePlace": _storage_place,
    "uniforms.Stocktake": _stocktake,
    "uniforms.AnnualInventory": _annual_inventory,
    # per-user rows (messages, robots, subscriptions, scheduled reports): B's are those of B's user "b-auditor"
    "notify.Robot": _robot,
    "notify.Subscription": _subscription,
    "notify.Notification": _notification,
    "notify.Delivery": _delivery,
    "notify.ReportSchedule": _report_schedule,
    "notify.ReportRun": _report_run,
    "notify.ReportFile": _report_file,
}

# Routes whose object is not a brigade's: nothing of "another brigade" to probe.
EXEMPT = {
    # reference data of the whole bureau, the same for every user (writes: tests/api/test_permissions.py,
    # BUREAU_WIDE_WRITES)
    "assets.Category": "categories are the whole bureau's reference data",
    "assets.ItemType": "item types are the whole bureau's reference data",
    "uniforms.Entitlement": "uniform entitlements (standards) are the whole bureau's reference data",
    "telematics.Holiday": "the holiday calendar is the whole bureau's",
    "gis.LayerVersion": "map layers are the whole bureau's reference data",
    "gis.GridCell": "map layers are the whole bureau's reference data",
    "gis.Venue": "map layers are the whole bureau's reference data",
    "gis.Jurisdiction": "map layers are the whole bureau's reference data",
    "gis.Street": "map layers are the whole bureau's reference data",
    "gis.Place": "map layers are the whole bureau's reference data",
}


def _label(model) -> str:
    return model._meta.label


def _api_model(pattern):
    view = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
    return view.queryset.model


def _kwargs(pattern) -> tuple[str, ...]:
    return tuple(pattern.pattern.regex.groupindex)


API_CASES = [(name, method, pattern) for name, method, pattern in api_routes() if _kwargs(pattern)]
# Pages name their object in the URL; the model each one looks up.
PAGE_MODELS = {
    "assets:user-edit": "auth.User", "assets:user-password": "auth.User",
    "assets:disposal-approve": "assets.DisposalRequest", "assets:disposal-refuse": "assets.DisposalRequest",
    "assets:asset-detail": "assets.Asset", "assets:unit-detail": "assets.OrgUnit",
    "uniforms:person-detail": "assets.Person", "uniforms:departure-open": "assets.Person",
    "uniforms:person-return": "assets.Person",
    "recorders:footage-detail": "recorders.FootageRecord",
    "telematics:vehicle-dossier": "telematics.Vehicle", "telematics:vehicle-dossier-pdf": "telematics.Vehicle",
    "telematics:vehicle-livery-photo": "telematics.Vehicle", "telematics:vehicle-insurance-add": "telematics.Vehicle",
    "telematics:vehicle-inspection-add": "telematics.Vehicle",
    "telematics:vehicle-maintenance-add": "telematics.Vehicle", "telematics:vehicle-photo-add": "telematics.Vehicle",
    "telematics:vehicle-cost-add": "telematics.Vehicle", "telematics:vehicle-odometer-add": "telematics.Vehicle",
    "alerts:detail": "tracking.Alert", "alerts:case-evidence-pdf": "tracking.Alert",
    "alerts:case-evidence-xlsx": "tracking.Alert",
    "assets:disposal-photo": "assets.DisposalPhoto", "telematics:vehicle-photo": "telematics.VehiclePhoto",
    "alerts:case-attachment": "tracking.AlertCaseAttachment",
    "tracking:deadletter-retry": "tracking.DeadLetter",
    "notify:runs": "notify.ReportSchedule", "notify:report-file": "notify.ReportFile",
    "uniforms:inventory": "uniforms.AnnualInventory", "uniforms:departure-close": "uniforms.Departure",
    "compliance-snapshot": "compliance.ComplianceSnapshot",
}
# Pages with an id that names no brigade's object.
EXEMPT_PAGES = {
    "role-start": "the parameter is a role name, not an object",
}
PAGE_CASES = [(name, pattern) for name, pattern in page_routes() if _kwargs(pattern)]


# Well-formed bodies (and query strings) for the routes that validate them before looking the object up: an empty
# body would stop at 400 and never reach the scope check. Where a body names a destination, it is one of A's own (the
# tempting move: pulling B's object into A's scope).
AT = "2026-11-20T10:00:00+08:00"
BODIES = {
    "asset-issue": {"person": "P001"}, "asset-transfer": {"unit": "CZ-TN-01"},
    "asset-report-lost": {"date_lost": "2026-11-01"}, "asset-return": {"unit": "CZ-TN-01"},
    "disposal-refuse": {"reason": "不同意"},
    "certificateloss-replace": {"tag": "A-CERT-9", "number": "JSA0009", "expires_on": "2030-01-01"},
    "footage-classify": {"recording_type": "complaint"}, "footage-evidence": {"case_number": "常城执2026-1"},
    "footagerequest-refuse": {"reason": "不同意"},
    "vehicle-bind-terminal": {"terminal_id": "A-T9"}, "vehicle-change-status": {"status": "in_repair"},
    "vehicle-coverage": {"at": AT}, "vehicle-livery": {"compliant": True}, "vehicle-transfer": {"unit": "CZ-TN-01"},
    "vehicle-late-order": {"start": AT, "end": "2026-11-20T12:00:00+08:00", "purpose": "补单", "reason": "忘记申请"},
    "vehicle-track": {"start": AT, "end": "2026-11-20T12:00:00+08:00"},
    "vehicle-journeys": {"date": "2026-11-20"},
    "trip-refuse": {"reason": "不同意"},
    "alert-case-explain": {"text": "执行任务"}, "alert-case-note": {"text": "备注"},
    "alert-case-return": {"text": "请补充"}, "alert-case-confirm": {"text": "确认"},
    "alert-case-dismiss": {"text": "误报"},
}
# Pages that only take POST (state changes): probed with POST and this body.
PAGE_POSTS = {
    "uniforms:departure-open": {"kind": "transferred", "effective": "2026-11-02"},
    "uniforms:person-return": {"tag": "B-RADIO-1"},
    "uniforms:departure-close": {}, "tracking:deadletter-retry": {},
    "assets:disposal-approve": {}, "assets:disposal-refuse": {"reason": "不同意"},
}


def _identifier(obj, kwarg: str) -> str:
    return str(obj.pk if kwarg == "pk" else getattr(obj, kwarg))


def test_every_parameterised_route_is_probed():
    """A route taking an id either gets B's object here or is exempt with a reason: a new one cannot be forgotten."""
    known = set(B_OBJECTS) | set(EXEMPT)
    unprobed = sorted({f"{name} ({_label(_api_model(p))})" for name, _, p in API_CASES
                       if _label(_api_model(p)) not in known})
    assert unprobed == [], "parameterised API routes neither in B_OBJECTS nor EXEMPT"
    pages = sorted(name for name, _ in PAGE_CASES if name not in set(PAGE_MODELS) | set(EXEMPT_PAGES))
    assert pages == [], "parameterised pages neither in PAGE_MODELS nor EXEMPT_PAGES"
    assert set(PAGE_MODELS.values()) <= set(B_OBJECTS)
    assert set(B_OBJECTS).isdisjoint(EXEMPT)
    assert CONTROL_FILTERS <= {(p.values[0], p.values[2]) for p in FILTER_CASES}, "stale CONTROL_FILTERS"


def _probed_api_cases():
    for name, method, pattern in API_CASES:
        label = _label(_api_model(pattern))
        allowed = ROUTES[name][method]
        if label not in B_OBJECTS or allowed == PUBLIC:  # neither built nor exempt: the guard test fails
            continue
        for role in allowed:
            yield pytest.param(name, method, pattern, label, role, id=f"{name}-{method}-{role}")


def _probed_page_cases():
    for name, pattern in PAGE_CASES:
        if name in EXEMPT_PAGES or name not in PAGE_MODELS:  # not in PAGE_MODELS: the guard test fails
            continue
        allowed = ROLES if PAGES[name] in (PUBLIC, "login") else PAGES[name]
        for role in allowed:
            yield pytest.param(name, pattern, PAGE_MODELS[name], role, id=f"{name}-{role}")


def _build_b(world, django_db_blocker, make_vehicle) -> dict:
    """{model label: B's object}; the objects others hang on are kept on the world."""
    with django_db_blocker.unblock():
        world.b_person = _person(world)
        world.b_vehicle = make_vehicle(world.units[B_UNIT], "苏D·B0001", terminal_id="B-T1")
        world.b_asset = _asset(world)
        world.b_seal = _seal(world)
        world.b_disposal = _disposal(world)
        world.b_alert = _alert(world)
        objects = {label: build(world) for label, build in B_OBJECTS.items()}
    assert None not in objects.values(), objects
    return objects


class TestCrossScope(WorldTestCase):
    @pytest.fixture(scope="class")
    @classmethod
    def b(cls, world, django_db_blocker, tmp_path_factory) -> dict:
        """B's objects, built once inside the class's world transaction (rolled back with it); their files in a
        MEDIA_ROOT of the class's own."""
        from tests.telematics.factories import make_vehicle

        media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("cross-scope-media")))
        media.enable()
        try:
            yield _build_b(world, django_db_blocker, make_vehicle)
        finally:
            media.disable()

    @staticmethod
    def _state(obj):
        model = type(obj)
        return (list(model._default_manager.filter(pk=obj.pk).values()), model._default_manager.count(),
                ledger_and_log_state())

    @pytest.mark.parametrize(("name", "method", "pattern", "label", "role"), list(_probed_api_cases()))
    def test_api_route_refuses_b(self, world, b, name, method, pattern, label, role):
        obj = b[label]
        url = reverse(pattern.name, kwargs={k: _identifier(obj, k) for k in _kwargs(pattern)})
        before = self._state(obj)
        client = world.client(role)
        body = BODIES.get(name, {})
        response = getattr(client, method)(url, body, format=None if method == "get" else "json")
        # 405: the method is not offered on the route at all (DELETE of people): nothing is revealed either
        assert response.status_code in (403, 404, 405), (url, response.status_code, response.content[:300])
        if method != "get":
            assert self._state(obj) == before, f"{method} {url} changed B's data"

    @pytest.mark.parametrize(("name", "pattern", "label", "role"), list(_probed_page_cases()))
    def test_page_refuses_b(self, world, b, name, pattern, label, role):
        obj = b[label]
        url = reverse(pattern.full_name, kwargs={k: _identifier(obj, k) for k in _kwargs(pattern)})
        client = Client()
        client.force_login(world.users[role])
        before = self._state(obj)
        response = client.post(url, PAGE_POSTS[name]) if name in PAGE_POSTS else client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code, response.content[:300])
        assert self._state(obj) == before

    @pytest.mark.parametrize("label", sorted(B_OBJECTS))
    def test_the_probe_names_real_objects(self, world, b, label):
        """The control: the same identifiers, for a user whose scope is the whole bureau, open B's object (200) — so
        the refusals above are the scope's doing, not an identifier that matches nothing."""
        api = [(name, p) for name, method, p in API_CASES if method == "get" and _label(_api_model(p)) == label
               and ROUTES[name]["get"] not in (PUBLIC, ())]
        obj = b[label]
        if api:
            name, pattern = api[0]
            url = reverse(pattern.name, kwargs={k: _identifier(obj, k) for k in _kwargs(pattern)})
            client = world.whole_client(ROUTES[name]["get"][0])
            if label.startswith("notify."):  # per-user rows: their owner, B's user, opens them
                client = APIClient()
                client.force_authenticate(_b_user(world))
            response = client.get(url, BODIES.get(name, {}))
        else:
            name, pattern = next((n, p) for n, p in PAGE_CASES if PAGE_MODELS.get(n) == label and n not in PAGE_POSTS)
            url = reverse(pattern.full_name, kwargs={k: _identifier(obj, k) for k in _kwargs(pattern)})
            client = Client()
            client.force_login(world.whole_users[PAGES[name][0]])
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])


# --- list endpoints filtered by B's identifiers ---------------------------------------------------------------------
# Each list route, called by an A user with one of B's identifiers as the filter, answers no B row: 200 without any of
# B's markers in the body, or a refusal (400 for a value it rejects, 403/404 for an out-of-scope unit or vehicle).
LIST_CASES = [(name, pattern) for name, method, pattern in api_routes()
              if method == "get" and not _kwargs(pattern) and ROUTES[name]["get"] not in (PUBLIC, ())]
# Filters naming a unit, person, vehicle or tag, with B's values (an FK filter takes the primary key, the *_code and
# plain query parameters the code: both are sent where a name could mean either).
def _unit(b):
    return b["assets.OrgUnit"]


FILTER_VALUES = {
    "unit": lambda b: [_unit(b).code, str(_unit(b).pk)], "unit__code": lambda b: [_unit(b).code],
    "unit_code": lambda b: [_unit(b).code], "within": lambda b: ["CZ-WJ"], "parent": lambda b: [str(_unit(b).pk)],
    "parent_code": lambda b: ["CZ-WJ"], "holder_unit": lambda b: [str(_unit(b).pk)],
    "holder_unit_code": lambda b: [_unit(b).code], "unit_after": lambda b: [str(_unit(b).pk)],
    "record__unit__code": lambda b: [_unit(b).code], "path__startswith": lambda b: [b["assets.OrgUnit"].path],
    "person": lambda b: [b["assets.Person"].staff_no, str(b["assets.Person"].pk)],
    "person__staff_no": lambda b: [b["assets.Person"].staff_no], "staff_no": lambda b: [b["assets.Person"].staff_no],
    "holder": lambda b: [b["assets.Person"].staff_no], "holder_person": lambda b: [str(b["assets.Person"].pk)],
    "holder_person_after": lambda b: [str(b["assets.Person"].pk)],
    "vehicle": lambda b: [str(b["telematics.Vehicle"].pk)], "plate": lambda b: [b["telematics.Vehicle"].plate],
    "terminal": lambda b: ["B-T1"], "terminal_id": lambda b: ["B-T1"],
    "asset": lambda b: [str(b["assets.Asset"].pk)], "tag": lambda b: [b["assets.Asset"].tag],
    "asset__tag": lambda b: [b["assets.Asset"].tag], "record__asset__tag": lambda b: ["B-REC-1"],
    "seal__tag": lambda b: ["B-SEAL-1"],
}
# Read by hand from the query string by views without a filter set (reports, journeys, track access).
PLAIN_PARAMS = ("unit", "vehicle", "person", "holder")


def _declared_filters(pattern) -> set:
    view = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
    filterset = getattr(view, "filterset_class", None)
    return set(filterset.base_filters) if filterset else set(getattr(view, "filterset_fields", None) or ())


FILTER_CASES = [pytest.param(name, pattern, param, id=f"{name}-{param}") for name, pattern in LIST_CASES
                for param in sorted((_declared_filters(pattern) & set(FILTER_VALUES)) | set(PLAIN_PARAMS))]
# The control: where B's object matches the filter, a user whose scope is the whole bureau finds B's rows with it
# (the other filter cases name a B value no B row of that list carries, e.g. the trips are of another B vehicle).
CONTROL_FILTERS = {
    ("alert-list", "plate"), ("alert-list", "terminal"), ("alert-list", "unit"), ("alert-list", "vehicle"),
    ("asset-list", "holder"), ("asset-list", "holder_person"), ("asset-list", "tag"), ("asset-list", "unit"),
    ("asset-list", "unit_code"), ("asset-list", "within"), ("badge-list", "person__staff_no"),
    ("custodyevent-list", "asset"), ("custodyevent-list", "holder_person_after"), ("custodyevent-list", "person"),
    ("custodyevent-list", "staff_no"), ("custodyevent-list", "tag"), ("custodyevent-list", "unit"),
    ("custodyevent-list", "unit_after"), ("custodyevent-list", "unit_code"), ("deadletter-list", "terminal"),
    ("disposal-list", "unit__code"), ("dutyschedule-list", "unit"), ("dutyschedule-list", "unit_code"),
    ("footage-list", "unit__code"), ("footagelog-list", "record__unit__code"), ("inspection-list", "plate"),
    ("inspection-list", "vehicle"), ("insurancepolicy-list", "plate"), ("insurancepolicy-list", "vehicle"),
    ("maintenancerecord-list", "plate"), ("maintenancerecord-list", "vehicle"), ("odometerreading-list", "plate"),
    ("odometerreading-list", "vehicle"), ("officersize-list", "person__staff_no"), ("orgunit-list", "parent_code"),
    ("orgunit-list", "path__startswith"), ("orgunit-list", "within"), ("person-list", "staff_no"),
    ("person-list", "unit"), ("person-list", "unit_code"), ("person-list", "within"), ("sealusage-list", "seal__tag"),
    ("terminalbinding-list", "plate"), ("terminalbinding-list", "terminal_id"), ("terminalbinding-list", "vehicle"),
    ("track-access-list", "plate"), ("track-access-list", "vehicle"), ("user-list", "unit_code"),
    ("vehicle-list", "plate"), ("vehicle-list", "terminal_id"), ("vehicle-list", "unit"),
    ("vehicle-list", "unit_code"), ("vehicle-list", "within"), ("vehiclecost-list", "plate"),
    ("vehiclecost-list", "vehicle"), ("vehiclecost-list", "within"), ("vehiclehistory-list", "plate"),
    ("vehiclehistory-list", "unit"), ("vehiclehistory-list", "vehicle"),
}
# What only B's rows carry: its unit codes, staff numbers, plates, tags, user name.
B_MARKERS = ("CZ-WJ", "B-P00", "王五", "苏D·B0001", "B-RADIO", "B-SEAL", "B-REC", "B-CERT", "B-BADGE", "b-auditor",
             "B-SHELF", "B-T1")


def _shows_b(response) -> bool:
    """B's markers in the body, or rows at all (the filter values name B only; some lists' rows carry only ids)."""
    body = response.json()
    rows = body.get("results") if isinstance(body, dict) else body
    return bool(rows) or any(marker in response.content.decode() for marker in B_MARKERS)


class TestListFiltersStayInScope(WorldTestCase):
    b = TestCrossScope.b

    @pytest.mark.parametrize(("name", "pattern", "param"), FILTER_CASES)
    def test_filter_by_b_shows_no_b_rows(self, world, b, name, pattern, param):
        role = ROUTES[name]["get"][-1]
        url = reverse(getattr(pattern, "full_name", pattern.name))
        for value in FILTER_VALUES[param](b):
            response = world.client(role).get(url, {param: value, "page_size": 1000})
            assert response.status_code in (200, 400, 403, 404), (url, param, value, response.status_code)
            if response.status_code == 200:
                text = response.content.decode(errors="replace")
                leaked = [marker for marker in B_MARKERS if marker in text]
                assert leaked == [], (url, param, value, text[:500])
                if param in _declared_filters(pattern):
                    # the value names B only: a list in scope has no row to match it (rows of some lists carry
                    # no marker, only ids)
                    body = response.json()
                    rows = body.get("results") if isinstance(body, dict) else body
                    assert rows in (None, []), (url, param, value, text[:500])
        if (name, param) in CONTROL_FILTERS:
            found = []
            for value in FILTER_VALUES[param](b):
                control = world.whole_client(role).get(url, {param: value, "page_size": 1000})
                found += [control.status_code == 200 and _shows_b(control)]
            assert any(found), f"the control found none of B's rows with {param}: the probe proves nothing here"
