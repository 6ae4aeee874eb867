"""The logistics workflows' services on PostgreSQL: rounds, badges, certificates, seals, departures, hand-overs."""
import datetime as dt

import pytest
from django.utils import timezone

from assets import services as ledger
from assets.models import Asset, CustodyEvent, Person
from quartermaster.errors import ConflictError, DomainError
from uniforms import selectors, services
from uniforms.models import BadgeNumberRecord, Entitlement, HandoverReceipt, IssueRound

from .conftest import item_type, stock

pytestmark = pytest.mark.django_db


def _officer(bureau, staff_no, unit="CZ-TN-01", **kw):
    return ledger.person_create(staff_no=staff_no, name=f"警员{staff_no}", unit=bureau["units"][unit],
                                role="officer", **kw)


# --- entitlements, sizes, rounds -----------------------------------------------------------------

def test_entitlement_defaults_seeded_from_jiandu_2017_31():
    got = {e.item_type.name: (e.quantity, e.service_years) for e in Entitlement.objects.select_related("item_type")}
    assert got["春秋执勤服"] == (2, 4)
    assert got["长袖衬衣"] == (2, 3)
    assert got["裤子"] == (2, 2)
    assert Entitlement.objects.get(item_type__code="trousers").source.startswith("建督〔2017〕31号")


def test_entitlement_edit_and_refusals():
    e = services.entitlement_set(item_type=item_type("cap"), quantity=2, service_years=5)
    assert (e.quantity, e.service_years) == (2, 5)
    with pytest.raises(DomainError, match="配发标准和尺码只针对制式服装品名"):
        services.entitlement_set(item_type=type(e.item_type).objects.get(code="stab_vest"), quantity=1,
                                 service_years=1)
    with pytest.raises(DomainError, match="至少为 1"):
        services.entitlement_set(item_type=item_type("cap"), quantity=0, service_years=5)


def test_sizes_refused_for_auxiliary(bureau):
    with pytest.raises(DomainError, match="严禁非城管执法人员穿着"):
        services.officer_size_set(person=bureau["auxiliary"], item_type=item_type("cap"), size="57")
    s = services.officer_size_set(person=bureau["officer"], item_type=item_type("cap"), size="57")
    assert s.size == "57"
    assert services.officer_size_set(person=bureau["officer"], item_type=item_type("cap"), size="") is None


def _summer_only():
    Entitlement.objects.exclude(item_type__code="short_sleeve_shirt").update(active=False)


def test_issue_round_issues_right_size_and_reports_shortfall(bureau):
    _summer_only()
    units = bureau["units"]
    b = _officer(bureau, "P002", unit="CZ-TN-02")
    c = _officer(bureau, "P003")
    shirt = item_type("short_sleeve_shirt")
    services.officer_size_set(person=bureau["officer"], item_type=shirt, size="170")
    services.officer_size_set(person=b, item_type=shirt, size="175")
    stock(units["CZ-TN"], "短袖衬衣", "170", 3, "S170")
    stock(units["CZ-TN"], "短袖衬衣", "175", 1, "S175")
    stock(units["CZ-WJ"], "短袖衬衣", "175", 5, "WJ175")  # another brigade's stock is not touched
    rnd = services.issue_round_run(unit=units["CZ-TN"], season="summer")
    assert rnd.officers_count == 3 and rnd.issued_count == 4
    assert Asset.objects.filter(holder_person=bureau["officer"]).count() == 3
    assert list(Asset.objects.filter(holder_person=b).values_list("tag", flat=True)) == ["S175-1"]
    assert not Asset.objects.filter(tag__startswith="WJ", status="issued").exists()
    assert CustodyEvent.objects.filter(receipt_no=rnd.receipt.number, action="issue").count() == 4
    summary = selectors.round_shortfall_summary(rnd)
    assert {"item": "短袖衬衣", "size": "175", "reason": "out_of_stock", "missing": 2} in summary
    assert {"item": "短袖衬衣", "size": "", "reason": "no_size", "missing": 3} in summary
    assert any(line["staff_no"] == c.staff_no and line["reason"] == "no_size" for line in rnd.shortfall)
    assert any("缺货：短袖衬衣 尺码 175" == line["message"] for line in rnd.shortfall)


def test_issue_round_skips_holders_and_replaces_worn_items(bureau):
    _summer_only()
    Entitlement.objects.filter(item_type__code="short_sleeve_shirt").update(quantity=1)
    units = bureau["units"]
    shirt = item_type("short_sleeve_shirt")
    services.officer_size_set(person=bureau["officer"], item_type=shirt, size="170")
    four_years_ago = timezone.now() - dt.timedelta(days=4 * 366)
    old = stock(units["CZ-TN"], "短袖衬衣", "170", 1, "OLD", at=four_years_ago)[0]
    ledger.asset_issue(asset=old, person=bureau["officer"], at=four_years_ago + dt.timedelta(days=1))
    stock(units["CZ-TN"], "短袖衬衣", "170", 2, "NEW")
    rnd = services.issue_round_run(unit=units["CZ-TN"], season="summer")
    assert (rnd.issued_count, rnd.replaced_count) == (1, 1)
    old.refresh_from_db()
    assert old.status == "retired"
    # A second round finds the officer served: nothing is issued.
    again = services.issue_round_run(unit=units["CZ-TN"], season="summer")
    assert again.issued_count == 0 and again.shortfall == []


def test_issue_round_refusals(bureau):
    with pytest.raises(DomainError, match="没有在岗执法人员"):
        services.issue_round_run(unit=bureau["units"]["CZ-WJ"], season="summer")
    with pytest.raises(DomainError, match="未知的季节"):
        services.issue_round_run(unit=bureau["units"]["CZ-TN"], season="monsoon")
    assert not IssueRound.objects.exists() and not HandoverReceipt.objects.exists()


def test_replacement_due_window_per_unit_and_size(bureau):
    units = bureau["units"]
    Entitlement.objects.exclude(item_type__code="trousers").update(active=False)
    trousers = stock(units["CZ-TN"], "裤子", "80", 2, "T")
    for t in trousers:
        ledger.asset_issue(asset=t, person=bureau["officer"])
    today = timezone.localdate()
    due = selectors.replacement_due(unit=units["CZ-TN"], start=today + dt.timedelta(days=700),
                                    end=today + dt.timedelta(days=740))
    assert {(ln["tag"], ln["reason"]) for ln in due["lines"]} == {("T-1", "due"), ("T-2", "due")}
    assert due["by_item"] == [{"item": "裤子", "size": "80", "count": 2}]
    assert due["by_unit"] == [{"unit": "CZ-TN-01", "item": "裤子", "size": "80", "count": 2}]
    none = selectors.replacement_due(unit=units["CZ-TN"], start=today, end=today + dt.timedelta(days=30),
                                     include_unheld=False)
    assert none["lines"] == []


# --- badges ----------------------------------------------------------------------------------------

def _plate(bureau, tag, number):
    return ledger.asset_create(tag=tag, category="insignia", unit=bureau["units"]["CZ-TN"], item="胸号",
                               serial=number)


def test_badge_issue_binds_number_and_lost_reissue_keeps_history(bureau):
    officer = bureau["officer"]  # badge 320401001
    rec = services.badge_issue(person=officer, asset=_plate(bureau, "B-1", "320401001"))
    assert rec.ended_on is None
    new = services.badge_report_lost(person=officer, date_lost=timezone.localdate(), new_tag="B-2")
    assert new.asset.tag == "B-2" and new.number == "320401001"
    history = list(selectors.badge_history(number="320401001"))
    assert [(h.asset.tag, h.end_reason) for h in history] == [("B-1", "lost"), ("B-2", "")]
    assert Asset.objects.get(tag="B-1").status == "lost"
    assert Asset.objects.get(tag="B-2").serial == "320401001"


def test_badge_refusals(bureau):
    officer = bureau["officer"]
    with pytest.raises(ConflictError, match="终身不变"):
        services.badge_issue(person=officer, asset=_plate(bureau, "B-9", "999"))
    other = _officer(bureau, "P010")
    services.badge_issue(person=other, asset=_plate(bureau, "B-10", "555"))
    assert Person.objects.get(pk=other.pk).badge_no == "555"
    fresh = _officer(bureau, "P011")
    with pytest.raises(ConflictError, match="绑定给"):
        services.badge_issue(person=fresh, asset=_plate(bureau, "B-11", "555"))
    with pytest.raises(ConflictError, match="已佩戴编号为"):
        services.badge_issue(person=other, asset=_plate(bureau, "B-12", "555"))
    with pytest.raises(DomainError, match="严禁非城管执法人员"):
        services.badge_issue(person=bureau["auxiliary"], asset=_plate(bureau, "B-13", "777"))
    assert Person.objects.get(pk=bureau["auxiliary"].pk).badge_no is None
    cap = ledger.asset_create(tag="CAP-1", category="insignia", unit=bureau["units"]["CZ-TN"], item="帽徽")
    with pytest.raises(DomainError, match="不是胸号牌"):
        services.badge_issue(person=fresh, asset=cap)
    assert BadgeNumberRecord.objects.count() == 1


# --- certificates ------------------------------------------------------------------------------------

def test_certificate_issue_lost_late_and_replacement(bureau):
    officer = bureau["officer"]
    services.certificate_issue(person=officer, tag="C-1", number="JS1001", expires_on=dt.date(2030, 1, 1))
    officer.refresh_from_db()
    assert officer.cert_no == "JS1001"
    today = timezone.localdate()
    report = services.certificate_report_lost(person=officer, date_lost=today - dt.timedelta(days=5),
                                              date_reported=today)
    assert report.reported_late is True and report.cert_no == "JS1001"
    with pytest.raises(DomainError, match="须使用新证号"):
        services.certificate_replace(report=report, tag="C-2", number="JS1001", expires_on=dt.date(2031, 1, 1))
    report = services.certificate_replace(report=report, tag="C-2", number="JS2002", expires_on=dt.date(2031, 1, 1))
    officer.refresh_from_db()
    assert (officer.cert_no, officer.cert_expires, report.replacement_no) == ("JS2002", dt.date(2031, 1, 1), "JS2002")
    assert Asset.objects.get(tag="C-2").holder_person == officer
    with pytest.raises(ConflictError, match="已补发为"):
        services.certificate_replace(report=report, tag="C-3", number="JS3003", expires_on=dt.date(2031, 1, 1))


def test_certificate_loss_within_three_days_is_not_late(bureau):
    officer = bureau["officer"]
    services.certificate_issue(person=officer, tag="C-1", number="JS1001", expires_on=dt.date(2030, 1, 1))
    today = timezone.localdate()
    report = services.certificate_report_lost(person=officer, date_lost=today - dt.timedelta(days=3),
                                              date_reported=today)
    assert report.reported_late is False


def test_certificate_refusals(bureau):
    officer = bureau["officer"]
    with pytest.raises(DomainError, match="没有已发放的证件"):
        services.certificate_report_lost(person=officer, date_lost=timezone.localdate())
    services.certificate_issue(person=officer, tag="C-1", number="JS1001", expires_on=dt.date(2030, 1, 1))
    with pytest.raises(ConflictError, match="已持有证件"):
        services.certificate_issue(person=officer, tag="C-5", number="JS5", expires_on=dt.date(2030, 1, 1))
    with pytest.raises(ConflictError, match="已存在"):
        services.certificate_issue(person=_officer(bureau, "P020"), tag="C-6", number="JS1001",
                                   expires_on=dt.date(2030, 1, 1))
    with pytest.raises(DomainError, match="严禁非城管执法人员"):
        services.certificate_issue(person=bureau["auxiliary"], tag="C-7", number="JS7", expires_on=dt.date(2030, 1, 1))
    assert not Asset.objects.filter(tag__in=["C-5", "C-6", "C-7"]).exists()


def test_certificate_surrender_to_legal_office(bureau):
    officer = bureau["officer"]
    services.certificate_issue(person=officer, tag="C-1", number="JS1001", expires_on=dt.date(2030, 1, 1))
    receipt = services.certificate_surrender(person=officer, note="调离")
    event = CustodyEvent.objects.get(receipt_no=receipt.number)
    assert event.action == "return" and "法制机构" in event.note
    assert Asset.objects.get(tag="C-1").status == "in_stock"


def test_certificate_expiry_warnings_buckets(bureau):
    today = timezone.localdate()
    for n, days in (("P031", 10), ("P032", 45), ("P033", 80), ("P034", 200), ("P035", -3)):
        _officer(bureau, n, cert_no=f"JS{n}", cert_expires=today + dt.timedelta(days=days))
    got = {w["staff_no"]: w["window"] for w in selectors.certificate_expiry_warnings(unit=bureau["units"]["CZ"])}
    assert got == {"P031": 30, "P032": 60, "P033": 90, "P035": "expired"}


# --- seals ---------------------------------------------------------------------------------------

def test_seal_handover_two_people_one_receipt(bureau):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="行政执法专用章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    clerk = bureau["auxiliary"]
    handover = services.seal_handover(seal=seal, outgoing=bureau["officer"], incoming=clerk)
    events = list(CustodyEvent.objects.filter(receipt_no=handover.receipt.number).values_list("action", flat=True))
    assert events == ["return", "issue"]
    seal.refresh_from_db()
    assert seal.holder_person == clerk
    assert handover.receipt.person == bureau["officer"] and handover.receipt.counterpart == clerk
    assert selectors.seal_custodians(unit=bureau["units"]["CZ"])[0]["custodian"] == clerk.staff_no
    ledger.asset_create(tag="SEAL-2", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    ledger.person_update(person=clerk, status="suspended")
    found = {s["tag"]: (s["custodian"], s["custodian_active"]) for s in selectors.seal_custodians(
        unit=bureau["units"]["CZ"])}
    assert found == {"SEAL-1": (clerk.staff_no, False), "SEAL-2": ("", False)}  # both lack an active custodian


def test_seal_handover_refusals_change_nothing(bureau):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    other = _officer(bureau, "P040")
    before = CustodyEvent.objects.count()
    with pytest.raises(ConflictError, match="只有当前保管人才能交接"):
        services.seal_handover(seal=seal, outgoing=other, incoming=bureau["auxiliary"])
    with pytest.raises(DomainError, match="交接给自己"):
        services.seal_handover(seal=seal, outgoing=bureau["officer"], incoming=bureau["officer"])
    gone = _officer(bureau, "P041", status="retired")
    with pytest.raises(DomainError, match="印章保管人须在岗"):
        services.seal_handover(seal=seal, outgoing=bureau["officer"], incoming=gone)
    radio = ledger.asset_create(tag="R-1", category="radio", unit=bureau["units"]["CZ-TN"])
    with pytest.raises(DomainError, match="不是印章"):
        services.seal_handover(seal=radio, outgoing=bureau["officer"], incoming=other)
    assert CustodyEvent.objects.count() == before + 1  # only the radio's receive


def test_seal_usage_log(bureau):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    usage = services.seal_usage_log(seal=seal, used_on=timezone.localdate(), document="行政处罚决定书 2026-001",
                                    used_by=bureau["auxiliary"])
    assert usage.custodian == bureau["officer"]
    with pytest.raises(DomainError, match="请填写用印的文件"):
        services.seal_usage_log(seal=seal, used_on=timezone.localdate(), document=" ", used_by=bureau["officer"])
    ledger.asset_return(asset=seal)
    ledger.asset_retire(asset=seal)
    with pytest.raises(ConflictError, match="不能使用"):
        services.seal_usage_log(seal=seal, used_on=timezone.localdate(), document="x", used_by=bureau["officer"])


# --- departures ----------------------------------------------------------------------------------

def test_departure_checklist_and_close_out(bureau):
    officer = bureau["officer"]
    units = bureau["units"]
    shirt, radio = stock(units["CZ-TN"], "长袖衬衣", "170", 1, "U")[0], stock(
        units["CZ-TN"], "对讲机", "", 1, "R", category="radio")[0]
    for a in (shirt, radio):
        ledger.asset_issue(asset=a, person=officer)
    services.certificate_issue(person=officer, tag="C-1", number="JS1", expires_on=dt.date(2030, 1, 1))
    departure = services.person_depart(person=officer, kind="transferred")
    officer.refresh_from_db()
    assert officer.status == "transferred"
    lines = {ln["tag"]: ln for ln in selectors.departure_checklist(departure)}
    assert set(lines) == {"U-1", "R-1", "C-1"} and lines["C-1"]["return_to"] == "法制机构"
    with pytest.raises(ConflictError, match="仍持有"):
        services.departure_close_out(departure=departure)
    services.handover_commit(mode="return", tags=["U-1"], person=officer)
    ledger.asset_report_lost(asset=Asset.objects.get(tag="R-1"), date_lost=timezone.localdate())
    with pytest.raises(ConflictError, match="C-1"):
        services.departure_close_out(departure=departure)
    services.certificate_surrender(person=officer)
    departure = services.departure_close_out(departure=departure)
    assert departure.closed_out
    states = {ln["tag"]: ln["state"] for ln in selectors.departure_checklist(departure)}
    assert states == {"U-1": "returned", "R-1": "lost", "C-1": "returned"}
    with pytest.raises(ConflictError, match="已有离岗清退记录"):
        services.person_depart(person=officer, kind="retired")


def test_marking_a_person_transferred_through_the_api_opens_the_return_checklist(bureau, api_client_for):
    from tests.support.fixtures import make_user
    from uniforms.models import Departure

    officer, units = bureau["officer"], bureau["units"]
    shirt = stock(units["CZ-TN"], "长袖衬衣", "170", 1, "U")[0]
    ledger.asset_issue(asset=shirt, person=officer)
    client = api_client_for(make_user("lo-tn", "logistics", units["CZ-TN"]))
    response = client.patch(f"/api/v1/personnel/{officer.pk}/", {"status": "transferred"}, format="json")
    assert response.status_code == 200, response.content
    departure = Departure.objects.get(person=officer)
    assert departure.kind == "transferred" and not departure.closed_out
    assert [ln["tag"] for ln in selectors.departure_checklist(departure)] == ["U-1"]
    with pytest.raises(ConflictError, match="仍持有 U-1"):
        services.departure_close_out(departure=departure)


# --- scan-first hand-over ------------------------------------------------------------------------

def test_handover_check_lines(bureau):
    units = bureau["units"]
    officer = bureau["officer"]
    shirt = stock(units["CZ-TN"], "长袖衬衣", "170", 2, "U")
    other = _officer(bureau, "P050")
    ledger.asset_issue(asset=shirt[1], person=other)
    ok = services.handover_check(mode="issue", tag="U-1", person=officer)
    assert ok["ok"] and ok["item"] == "长袖衬衣"
    assert Asset.objects.get(tag="U-1").status == "in_stock"  # the dry run left nothing behind
    assert services.handover_check(mode="issue", tag="NOPE", person=officer)["code"] == "unknown_tag"
    assert services.handover_check(mode="issue", tag="U-1", person=officer, seen=["U-1"])["code"] == "duplicate"
    assert services.handover_check(mode="issue", tag="U-2", person=officer)["code"] == "person_to_person"
    assert services.handover_check(mode="issue", tag="U-1", person=bureau["auxiliary"])["code"] == "officer_only"
    assert services.handover_check(mode="return", tag="U-2", person=officer)["code"] == "wrong_holder"
    assert services.handover_check(mode="return", tag="U-1", person=officer)["code"] == "not_returnable"


def test_handover_commit_all_or_nothing(bureau):
    units = bureau["units"]
    officer = bureau["officer"]
    stock(units["CZ-TN"], "长袖衬衣", "170", 3, "U")
    before = CustodyEvent.objects.count()
    with pytest.raises(services.HandoverRefused) as err:
        services.handover_commit(mode="issue", tags=["U-1", "BAD", "U-2"], person=officer)
    assert [ln["ok"] for ln in err.value.lines] == [True, False, True]
    assert CustodyEvent.objects.count() == before and not HandoverReceipt.objects.exists()
    assert Asset.objects.get(tag="U-1").status == "in_stock"
    receipt = services.handover_commit(mode="issue", tags=["U-1", "U-2"], person=officer)
    assert CustodyEvent.objects.filter(receipt_no=receipt.number).count() == 2
    assert [ln["tag"] for ln in selectors.receipt_lines(receipt)] == ["U-1", "U-2"]
    back = services.handover_commit(mode="return", tags=["U-2"], person=officer)
    assert Asset.objects.get(tag="U-2").status == "in_stock" and back.kind == "return"


def test_handover_return_refuses_seal(bureau):
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"])
    services.seal_assign(seal=seal, custodian=bureau["officer"])
    line = services.handover_check(mode="return", tag="SEAL-1", person=bureau["officer"])
    assert line["code"] == "seal_handover"


def test_handover_to_unit_refuses_officer_only(bureau):
    stock(bureau["units"]["CZ-TN"], "长袖衬衣", "170", 1, "U")
    radio = stock(bureau["units"]["CZ-TN"], "对讲机", "", 1, "R", category="radio")
    with pytest.raises(services.HandoverRefused, match="只发给执法人员"):
        services.handover_commit(mode="issue", tags=["U-1", "R-1"], unit=bureau["units"]["CZ-TN-01"])
    receipt = services.handover_commit(mode="issue", tags=["R-1"], unit=bureau["units"]["CZ-TN-01"])
    radio[0].refresh_from_db()
    assert radio[0].holder_unit == bureau["units"]["CZ-TN-01"] and receipt.unit.code == "CZ-TN-01"


# --- stocktake -----------------------------------------------------------------------------------

def test_stocktake_missing_unexpected_misplaced(bureau):
    units = bureau["units"]
    items = stock(units["CZ-TN"], "长袖衬衣", "170", 3, "U")
    wj = stock(units["CZ-WJ"], "长袖衬衣", "170", 1, "WJ")[0]
    ledger.asset_issue(asset=items[2], person=bureau["officer"])
    take = services.stocktake_start(unit=units["CZ-TN"])
    for tag in ("U-1", "U-3", "WJ-1", "ZZZ"):
        services.stocktake_scan(stocktake=take, tag=tag)
    with pytest.raises(ConflictError, match="已扫描过"):
        services.stocktake_scan(stocktake=take, tag="U-1")
    live = selectors.stocktake_result(take)
    for tag in ("U-1", "U-3", "WJ-1", "ZZZ"):  # the answer at the scan agrees with the stocktake's result
        assert any(x["tag"] == tag for x in live[selectors.stocktake_classify(take, tag)])
    take = services.stocktake_close(stocktake=take)
    r = take.result
    assert [x["tag"] for x in r["found"]] == ["U-1"]
    assert [x["tag"] for x in r["missing"]] == ["U-2"]
    assert {(x["tag"], x["reason"]) for x in r["unexpected"]} == {("U-3", "issued"), ("ZZZ", "unknown_tag")}
    assert [(x["tag"], x["reason"]) for x in r["misplaced"]] == [(wj.tag, "other_unit")]
    with pytest.raises(ConflictError, match="已结束"):
        services.stocktake_scan(stocktake=take, tag="U-2")


def test_stocktake_of_a_storage_place(bureau):
    units = bureau["units"]
    a, b = stock(units["CZ-TN"], "长袖衬衣", "170", 2, "U")
    shelf = services.storage_place_create(unit=units["CZ-TN"], code="TN-K1", name="天宁一号库")
    other = services.storage_place_create(unit=units["CZ-TN"], code="TN-K2", name="天宁二号库")
    services.asset_place_set(asset=a, place=shelf)
    services.asset_place_set(asset=b, place=other)
    take = services.stocktake_start(unit=units["CZ-TN"], place=shelf)
    services.stocktake_scan(stocktake=take, tag="U-2")
    r = selectors.stocktake_result(take)
    assert selectors.stocktake_classify(take, "U-2") == "misplaced"
    assert selectors.stocktake_classify(take, "U-1") == "found"
    assert [x["tag"] for x in r["missing"]] == ["U-1"]
    assert [(x["tag"], x["reason"], x["place"]) for x in r["misplaced"]] == [("U-2", "other_place", "TN-K2")]
    wj_place = services.storage_place_create(unit=units["CZ-WJ"], code="WJ-K1", name="武进库")
    with pytest.raises(DomainError, match="属于 天宁大队（CZ-TN）"):
        services.asset_place_set(asset=a, place=wj_place)


def test_issue_round_ledger_is_the_projection_and_refuses_backdating(bureau):
    _summer_only()
    Entitlement.objects.filter(item_type__code="short_sleeve_shirt").update(quantity=1)
    units = bureau["units"]
    services.officer_size_set(person=bureau["officer"], item_type=item_type("short_sleeve_shirt"), size="170")
    four_years_ago = timezone.now() - dt.timedelta(days=4 * 366)
    old = stock(units["CZ-TN"], "短袖衬衣", "170", 1, "OLD", at=four_years_ago)[0]
    ledger.asset_issue(asset=old, person=bureau["officer"], at=four_years_ago + dt.timedelta(days=1))
    new = stock(units["CZ-TN"], "短袖衬衣", "170", 1, "NEW")[0]
    before = CustodyEvent.objects.count()
    with pytest.raises(DomainError, match="台账不能倒填日期"):
        services.issue_round_run(unit=units["CZ-TN"], season="summer", at=timezone.now() - dt.timedelta(days=1))
    assert CustodyEvent.objects.count() == before and not IssueRound.objects.exists()

    rnd = services.issue_round_run(unit=units["CZ-TN"], season="summer")
    events = list(CustodyEvent.objects.filter(receipt_no=rnd.receipt.number).order_by("id")
                  .values_list("asset__tag", "action", "status_after", "holder_person_after__staff_no"))
    assert events == [("NEW-1", "issue", "issued", "P001"), ("OLD-1", "return", "in_stock", None),
                      ("OLD-1", "retire", "retired", None)]
    for asset in (old, new):
        asset.refresh_from_db()
        last = asset.events.order_by("-occurred_at", "-id").first()
        assert (asset.status, asset.holder_person_id) == (last.status_after, last.holder_person_after_id)
    assert new.holder_person == bureau["officer"] and old.status == "retired" and old.holder_person is None


def test_handover_scan_keeps_badge_and_certificate_bound_to_their_officer(bureau):
    officer = bureau["officer"]  # badge 320401001, certificate JS0001
    other = _officer(bureau, "P060")
    plate = _plate(bureau, "B-1", "320401001")
    line = services.handover_check(mode="issue", tag="B-1", person=other)
    assert (line["ok"], line["code"]) == (False, "badge_bound")
    receipt = services.handover_commit(mode="issue", tags=["B-1"], person=officer)
    record = BadgeNumberRecord.objects.get(asset=plate)
    assert (record.person, record.ended_on) == (officer, None)
    assert CustodyEvent.objects.filter(receipt_no=receipt.number, asset=plate, action="issue").exists()
    services.handover_commit(mode="return", tags=["B-1"], person=officer)
    assert BadgeNumberRecord.objects.get(asset=plate).end_reason == "returned"

    cert = ledger.asset_create(tag="C-1", category="certificate", unit=bureau["units"]["CZ-TN"], item="行政执法证",
                               serial="JS0001")
    assert services.handover_check(mode="issue", tag="C-1", person=other)["code"] == "certificate_bound"
    stray = ledger.asset_create(tag="C-2", category="certificate", unit=bureau["units"]["CZ-TN"], serial="JS0999")
    assert services.handover_check(mode="issue", tag="C-2", person=officer)["code"] == "certificate_not_theirs"
    assert services.handover_check(mode="issue", tag="C-1", person=bureau["auxiliary"])["code"] == "officer_only"
    services.handover_commit(mode="issue", tags=["C-1"], person=officer)
    cert.refresh_from_db()
    assert cert.holder_person == officer and stray.status == "in_stock"


def test_departing_seal_custodian_closes_out_after_the_two_person_handover(bureau):
    officer = bureau["officer"]
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=bureau["units"]["CZ-TN"], item="公章")
    services.seal_assign(seal=seal, custodian=officer)
    departure = services.person_depart(person=officer, kind="retired")
    assert services.handover_check(mode="return", tag="SEAL-1", person=officer)["code"] == "seal_handover"
    with pytest.raises(ConflictError, match="SEAL-1"):
        services.departure_close_out(departure=departure)
    successor = _officer(bureau, "P070")
    services.seal_handover(seal=seal, outgoing=officer, incoming=successor)
    assert [ln["state"] for ln in selectors.departure_checklist(departure)] == ["returned"]
    assert services.departure_close_out(departure=departure).closed_out


def test_remaining_refusals_change_nothing(bureau):
    units, officer = bureau["units"], bureau["officer"]
    Entitlement.objects.filter(season__in=["winter", "all"]).update(active=False)
    with pytest.raises(DomainError, match="没有适用于冬季的有效配发标准"):
        services.issue_round_run(unit=units["CZ-TN"], season="winter")
    with pytest.raises(DomainError, match="请为交接选择一名人员或一个单位"):
        services.handover_commit(mode="issue", tags=["U-1"], person=officer, unit=units["CZ-TN"])
    with pytest.raises(DomainError, match="未知的交接方式"):
        services.handover_check(mode="lend", tag="U-1", person=officer)
    with pytest.raises(DomainError, match="请至少扫描一个标签"):
        services.handover_commit(mode="issue", tags=[], person=officer)
    with pytest.raises(DomainError, match="未知的离岗类型"):
        services.person_depart(person=officer, kind="fired")
    seal = ledger.asset_create(tag="SEAL-1", category="seal", unit=units["CZ-TN"], item="公章")
    with pytest.raises(DomainError, match="在今天之后"):
        services.seal_usage_log(seal=seal, used_on=timezone.localdate() + dt.timedelta(days=1), document="通知",
                                used_by=officer)
    services.storage_place_create(unit=units["CZ-TN"], code="TN-K1", name="一号库")
    with pytest.raises(ConflictError, match="已存在"):
        services.storage_place_create(unit=units["CZ-TN"], code="TN-K1", name="又一号库")
    wj_place = services.storage_place_create(unit=units["CZ-WJ"], code="WJ-K1", name="武进库")
    with pytest.raises(DomainError, match="不在 天宁大队（CZ-TN） 之内"):
        services.stocktake_start(unit=units["CZ-TN"], place=wj_place)
    assert not HandoverReceipt.objects.exists() and not IssueRound.objects.exists()
    officer.refresh_from_db()
    assert officer.status == "active"

    departure = services.person_depart(person=officer, kind="retired")
    services.departure_close_out(departure=departure)
    with pytest.raises(ConflictError, match="离岗清退已办结"):
        services.departure_close_out(departure=departure)
