"""Shift sign-out and return through the ledger (and what recorder-daily-offload makes of them), dock returns,
checks that send a recorder to repair, the maintenance-due list and the footage inspection report."""
import datetime as dt

import pytest
from django.utils import timezone

from assets import services as registry
from assets.choices import AssetStatus, CustodyAction
from assets.models import Asset, CustodyEvent
from quartermaster.errors import DomainError
from recorders import selectors, services
from recorders.models import FootageInspection, RecorderCheck
from telematics.tracking.models import DockOffload
from telematics.tracking.signals import dock_reports_stored

from .conftest import local, recorder

pytestmark = pytest.mark.django_db


def _actions(asset) -> list[str]:
    return list(CustodyEvent.objects.filter(asset=asset).order_by("occurred_at", "id").values_list("action", flat=True))


def _offload_row(unit, as_of, standard="jiangsu"):
    from compliance.services import compliance_report

    rule = {"jiangsu": "recorder-daily-offload", "model": "recorder-timely-offload"}[standard]
    report = compliance_report(unit=unit, standard_id=standard, as_of=as_of).data
    [row] = [r for r in report["results"] if r["rule"] == rule]
    return row["required"], row["actual"], row["shortfall"], row["status"]


# --- shifts through the ledger ------------------------------------------------------------------------------------

def test_a_shift_makes_a_pooled_recorder_in_use_on_that_day_only(bureau, duty):
    """REC-P sits in CZ-TN-01's pool; P001 signs it out at 09:00 three days ago and back at 17:00. The window is the
    7 days before today: REC-P is in use on one day (three days ago), never offloaded — 1 recorder-day, 0
    offloaded. REC-D's dock report ten days ago makes the window judgeable and is itself outside it."""
    units, today = bureau["units"], timezone.localdate()
    pooled = recorder(units["CZ-TN-01"], "REC-P")
    docked = recorder(units["CZ-TN-01"], "REC-D")
    DockOffload.objects.create(dock_id="D1", recorder_tag=docked.tag, recorded_on=today - dt.timedelta(days=10),
                               ts=local(10, 20))
    assert _offload_row(units["CZ"], today) == (0, 0, None, "not_applicable")

    out = services.shift_sign_out(card="P001", tag="REC-P", at=local(3, 9))
    back = services.shift_sign_in(tag="REC-P", at=local(3, 17))
    assert (out.action, out.status_after, out.holder_person_after_id) == ("shift_out", "issued", bureau["officer"].pk)
    assert (back.action, back.status_after, back.holder_person_after_id, back.person_id) == (
        "shift_in", "in_stock", None, bureau["officer"].pk)
    assert _offload_row(units["CZ"], today) == (1, 0, 1, "fail")
    assert _offload_row(units["CZ"], today, "model") == (1, 0, 1, "fail")  # the model's 及时, 24 h by default

    from compliance.recorders import judged_days, recorder_days

    days = judged_days(today, 7, 24)
    assert [(d.tag, d.day, d.held) for d in recorder_days(units["CZ"], today, days, 24)] == [
        ("REC-P", today - dt.timedelta(days=3), True)]
    # The same day's footage offloaded that evening: the day passes.
    DockOffload.objects.create(dock_id="D1", recorder_tag=pooled.tag, recorded_on=today - dt.timedelta(days=3),
                               ts=local(3, 20))
    assert _offload_row(units["CZ"], today) == (1, 1, 0, "pass")


def test_a_shift_outside_duty_hours_is_not_a_day_in_use(bureau, duty):
    units, today = bureau["units"], timezone.localdate()
    recorder(units["CZ-TN-01"], "REC-P")
    DockOffload.objects.create(dock_id="D1", recorder_tag="REC-X", recorded_on=today - dt.timedelta(days=10),
                               ts=local(10, 20))
    services.shift_sign_out(card="P001", tag="REC-P", at=local(3, 19))
    services.shift_sign_in(tag="REC-P", at=local(3, 22))
    assert _offload_row(units["CZ"], today) == (0, 0, None, "not_applicable")


def test_the_officer_is_found_by_staff_number_badge_or_certificate(bureau):
    units = bureau["units"]
    for tag in ("REC-1", "REC-2", "REC-3"):
        recorder(units["CZ-TN-01"], tag)
    cert = registry.asset_create(tag="JS-CERT-1", category="certificate", unit=units["CZ-TN-01"],
                                 expires=timezone.localdate() + dt.timedelta(days=400))
    registry.asset_issue(asset=cert, person=bureau["officer"])
    for card, tag in (("P001", "REC-1"), ("320401001", "REC-2"), (cert.tag, "REC-3")):
        assert services.shift_sign_out(card=card, tag=tag).person_id == bureau["officer"].pk
    with pytest.raises(DomainError) as unknown:
        services.shift_sign_out(card="NOBODY", tag="REC-1")
    assert unknown.value.code == "unknown_person"


@pytest.mark.parametrize("case, code", [
    ("auxiliary", "officer_only"), ("uniform", "not_shift_kit"), ("out_already", "person_to_person"),
    ("issued_for_keeps", "not_signed_out"), ("in_stock", "not_signed_out"),
])
def test_shift_refusals_change_nothing(bureau, case, code):
    units = bureau["units"]
    rec = recorder(units["CZ-TN-01"], "REC-1")
    other = registry.person_create(staff_no="P002", name="王五", unit=units["CZ-TN-01"], role="officer")
    if case == "auxiliary":
        call = lambda: services.shift_sign_out(card="A001", tag="REC-1")
    elif case == "uniform":
        registry.asset_create(tag="U-1", category="uniform", unit=units["CZ-TN-01"], item="帽", size="57")
        call = lambda: services.shift_sign_out(card="P001", tag="U-1")
    elif case == "out_already":
        services.shift_sign_out(card="P001", tag="REC-1")
        call = lambda: services.shift_sign_out(card="P002", tag="REC-1")
    elif case == "issued_for_keeps":
        registry.asset_issue(asset=rec, person=other)
        call = lambda: services.shift_sign_in(tag="REC-1")
    else:
        call = lambda: services.shift_sign_in(tag="REC-1")
    before = CustodyEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        call()
    assert refused.value.code == code and CustodyEvent.objects.count() == before


def test_kit_out_on_a_shift_cannot_be_issued_and_a_shift_list_shows_it_overdue(bureau, settings):
    units = bureau["units"]
    settings.QM_SHIFT_OVERDUE_HOURS = 12
    recorder(units["CZ-TN-01"], "REC-1")
    recorder(units["CZ-TN-01"], "REC-2")
    recorder(units["CZ-WJ-01"], "REC-W")
    services.shift_sign_out(card="P001", tag="REC-1", at=local(1, 7))
    services.shift_sign_out(card="P001", tag="REC-2", at=timezone.now() - dt.timedelta(hours=2))
    with pytest.raises(DomainError) as refused:
        registry.asset_issue(asset=Asset.objects.get(tag="REC-1"), person=bureau["officer"])
    assert refused.value.code == "already_issued"
    now = timezone.now()
    rows = selectors.shifts_out(Asset.objects.all(), now=now)
    assert [(r["tag"], r["person"], r["overdue"]) for r in rows] == [("REC-1", "P001", True), ("REC-2", "P001", False)]
    assert rows[1]["hours_out"] == pytest.approx(2.0, abs=0.1)
    assert selectors.shifts_out(Asset.objects.all(), unit=units["CZ-WJ"], now=now) == []
    # Issued for keeps is not "out on a shift".
    registry.asset_issue(asset=Asset.objects.get(tag="REC-W"), person=bureau["officer"])
    assert len(selectors.shifts_out(Asset.objects.all(), now=now)) == 2


# --- dock returns ---------------------------------------------------------------------------------------------------

def _dock(tag: str, at: dt.datetime, dock: str = "D1") -> DockOffload:
    return DockOffload.objects.create(dock_id=dock, recorder_tag=tag, recorded_on=timezone.localdate(at), ts=at)


def test_a_dock_report_after_the_sign_out_returns_the_recorder(bureau):
    units = bureau["units"]
    for tag in ("REC-1", "REC-2", "REC-3"):
        recorder(units["CZ-TN-01"], tag)
    services.shift_sign_out(card="P001", tag="REC-1", at=local(1, 8))
    services.shift_sign_out(card="P001", tag="REC-2", at=local(1, 8))
    registry.asset_issue(asset=Asset.objects.get(tag="REC-3"), person=bureau["officer"], at=local(1, 8))
    reports = [_dock("REC-1", local(1, 18)), _dock("REC-1", local(1, 18, 5), "D2"),
               _dock("REC-2", local(1, 7)),  # before its sign-out: yesterday's footage, not a return
               _dock("REC-3", local(1, 18))]  # issued for keeps: offloaded daily, stays with its officer
    dock_reports_stored.send(sender=DockOffload, reports=reports)
    statuses = dict(Asset.objects.filter(tag__startswith="REC-").values_list("tag", "status"))
    assert statuses == {"REC-1": "in_stock", "REC-2": "issued", "REC-3": "issued"}
    back = CustodyEvent.objects.filter(asset__tag="REC-1").latest("occurred_at")
    assert (back.action, back.occurred_at, back.person_id, back.note) == (
        "shift_in", local(1, 18), bureau["officer"].pk, "dock D1")


# --- checks ---------------------------------------------------------------------------------------------------------

def test_a_pre_use_check_fault_sends_the_recorder_to_repair(bureau):
    units, today = bureau["units"], timezone.localdate()
    ok = recorder(units["CZ-TN-01"], "REC-OK")
    faulty = recorder(units["CZ-TN-01"], "REC-F")
    out = recorder(units["CZ-TN-01"], "REC-OUT")
    services.shift_sign_out(card="P001", tag="REC-OUT", at=local(0, 0, 1))
    passed = services.recorder_check_record(asset=ok, checked_on=today, kind="pre_use", result="ok")
    failed = services.recorder_check_record(asset=faulty, checked_on=today, kind="pre_use", result="fault",
                                            performed_by=bureau["officer"], note="镜头进水")
    failed_out = services.recorder_check_record(asset=out, checked_on=today, kind="maintenance", result="fault")
    assert (passed.sent_to_repair, failed.sent_to_repair, failed_out.sent_to_repair) == (False, True, True)
    assert _actions(ok) == ["receive"]
    assert _actions(faulty) == ["receive", "repair_out"]
    assert _actions(out) == ["receive", "shift_out", "shift_in", "repair_out"]
    assert Asset.objects.get(tag="REC-F").status == AssetStatus.IN_REPAIR
    assert CustodyEvent.objects.filter(asset=faulty, action=CustodyAction.REPAIR_OUT).get().note.endswith("镜头进水")
    # A fault noted without sending it away leaves the ledger alone; a non-recorder is refused.
    kept = recorder(units["CZ-TN-01"], "REC-K")
    services.recorder_check_record(asset=kept, checked_on=today, kind="pre_use", result="fault", send_to_repair=False)
    assert _actions(kept) == ["receive"]
    radio = registry.asset_create(tag="RAD-1", category="radio", unit=units["CZ-TN-01"])
    with pytest.raises(DomainError):
        services.recorder_check_record(asset=radio, checked_on=today, kind="pre_use", result="ok")
    with pytest.raises(DomainError):
        services.recorder_check_record(asset=ok, checked_on=today + dt.timedelta(days=1), kind="pre_use", result="ok")
    assert RecorderCheck.objects.count() == 4


def test_maintenance_due_after_the_local_period(bureau):
    units, today = bureau["units"], timezone.localdate()
    recent, old, _never, failed = (recorder(units["CZ-TN-01"], t) for t in ("REC-1", "REC-2", "REC-3", "REC-4"))
    recorder(units["CZ-WJ-01"], "REC-W")
    for asset, back in ((recent, 10), (old, 100), (failed, 20)):
        services.recorder_check_record(asset=asset, checked_on=today - dt.timedelta(days=back), kind="maintenance",
                                       result="ok" if asset is not failed else "fault", send_to_repair=False)
    services.recorder_check_record(asset=recent, checked_on=today, kind="pre_use", result="ok")
    due = selectors.maintenance_due(Asset.objects.all(), unit=units["CZ-TN"], on=today, days=90)
    assert [(r["tag"], r["last_maintenance"], r["days_since"]) for r in due["due"]] == [
        ("REC-2", (today - dt.timedelta(days=100)).isoformat(), 100), ("REC-3", None, None),
        ("REC-4", None, None)]
    assert due["local_threshold"] is True and due["period_days"] == 90
    assert [r["tag"] for r in selectors.maintenance_due(Asset.objects.all(), unit=units["CZ-TN"], on=today,
                                                         days=101)["due"]] == ["REC-3", "REC-4"]


# --- the footage inspection register --------------------------------------------------------------------------------

def test_a_brigade_inspected_100_days_ago_is_not_inspected_within_90_days(bureau):
    units, today = bureau["units"], timezone.localdate()
    rec = recorder(units["CZ-TN-01"], "REC-1")
    services.footage_inspection_record(inspected_on=today - dt.timedelta(days=100), inspector="督察 赵六、钱七",
                                       unit=units["CZ-TN"], recorders=[rec], items_checked=12,
                                       findings="2段视频未按时存储", follow_up="一周内整改")
    report = selectors.inspections_due(FootageInspection.objects.all(), unit=units["CZ"], as_of=today, days=90)
    assert [(r["unit"], r["state"], r["days_since"]) for r in report["brigades"]] == [
        ("CZ-WJ", "never", None), ("CZ-TN", "overdue", 100)]
    assert report["not_inspected"] == ["CZ-WJ", "CZ-TN"] and report["local_threshold"] is True
    # Exactly 90 days ago is within the period; a period of 100 days covers 100 days ago.
    services.footage_inspection_record(inspected_on=today - dt.timedelta(days=90), inspector="督察 赵六",
                                       unit=units["CZ-WJ"])
    report = selectors.inspections_due(FootageInspection.objects.all(), unit=units["CZ"], as_of=today, days=90)
    assert {r["unit"]: r["state"] for r in report["brigades"]} == {"CZ-TN": "overdue", "CZ-WJ": "inspected"}
    longer = selectors.inspections_due(FootageInspection.objects.all(), unit=units["CZ"], as_of=today, days=100)
    assert longer["not_inspected"] == []
    # As of a date before the inspection, it did not happen yet.
    past = selectors.inspections_due(FootageInspection.objects.all(), unit=units["CZ-TN"],
                                     as_of=today - dt.timedelta(days=101), days=90)
    assert [(r["unit"], r["state"]) for r in past["brigades"]] == [("CZ-TN", "never")]


@pytest.mark.parametrize("kw, code", [
    ({"unit": "CZ-TN-01"}, "not_brigade"), ({"inspector": " "}, "empty"), ({"recorders": ["REC-W"]},
                                                                           "recorder_outside_unit"),
    ({"inspected_on": 1}, "future_date"),
])
def test_inspection_refusals(bureau, kw, code):
    units, today = bureau["units"], timezone.localdate()
    recorder(units["CZ-WJ-01"], "REC-W")
    args = {"inspected_on": today, "inspector": "赵六", "unit": units["CZ-TN"], "recorders": []}
    args.update(kw)
    if "recorders" in kw:
        args["recorders"] = [Asset.objects.get(tag=t) for t in kw["recorders"]]
    if kw.get("unit"):
        args["unit"] = units[kw["unit"]]
    if "inspected_on" in kw:
        args["inspected_on"] = today + dt.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        services.footage_inspection_record(**args)
    assert refused.value.code == code and FootageInspection.objects.count() == 0
